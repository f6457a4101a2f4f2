// What a Meta wiring check found, as stored per tenant and rendered in chat. Only ids,
// Meta's enum values and our codes: never a token, never a secret.
import type { WiringState } from '../store/schema';

export type WiringCheckName = 'subscription' | 'phone' | 'webhook';

/** ok: fine; warning: works but needs attention; error: something to fix; unknown: could not be checked now. */
export type WiringSeverity = 'ok' | 'warning' | 'error' | 'unknown';

export interface WiringItem {
  check: WiringCheckName;
  severity: WiringSeverity;
  /** Key of the diagnosis in locales/<lng>/wiring.json (wiring:<check>.<code>). */
  code: string;
  /** Values the diagnosis names (Meta's status, the HTTP status, the WABA id). */
  detail?: Record<string, string | number | null>;
}

export interface WiringReport {
  state: WiringState;
  checkedAt: number;
  items: WiringItem[];
  /** The app was missing from the WABA's subscribed apps and this check subscribed it. */
  subscribedNow: boolean;
}

export function stateOf(items: WiringItem[]): WiringState {
  if (items.some((i) => i.severity === 'error')) return 'failing';
  if (items.some((i) => i.severity === 'unknown')) return 'unknown';
  return 'ok';
}
