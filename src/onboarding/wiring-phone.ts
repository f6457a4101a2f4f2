// What the phone number node's fields say about the number (WhatsApp Cloud API, phone
// number reference): registered to the Cloud API, its status and quality, its display name
// and two-step verification. Pure, so every case is a table row in the tests.
import type { PhoneHealth } from '../meta/graph-client';
import type { WiringItem } from './wiring-types';

/** Statuses in which nothing (or hardly anything) can be sent from the number. */
const BLOCKING_STATUSES = new Set(['BANNED', 'RESTRICTED', 'DELETED', 'DISCONNECTED', 'FLAGGED', 'RATE_LIMITED', 'MIGRATED', 'OFFLINE']);
/** The number exists in the WABA but was never registered for sending. */
const UNREGISTERED_STATUSES = new Set(['PENDING', 'UNVERIFIED', 'NOT_REGISTERED']);

export function phoneItems(h: PhoneHealth): WiringItem[] {
  const status = (h.status ?? '').toUpperCase();
  const platform = (h.platform_type ?? '').toUpperCase();
  const quality = (h.quality_rating ?? '').toUpperCase();
  const name = (h.name_status ?? '').toUpperCase();
  const number = h.display_phone_number ?? null;
  const detail = { number, status: status || null, quality: quality || null, name_status: name || null, platform: platform || null };

  if (platform === 'NOT_APPLICABLE' || UNREGISTERED_STATUSES.has(status)) return [{ check: 'phone', severity: 'error', code: 'not_registered', detail }];
  if (platform === 'ON_PREMISE') return [{ check: 'phone', severity: 'error', code: 'on_premise', detail }];

  const items: WiringItem[] = [];
  if (BLOCKING_STATUSES.has(status)) items.push({ check: 'phone', severity: 'error', code: 'status_blocked', detail });
  if (quality === 'RED') items.push({ check: 'phone', severity: 'error', code: 'quality_red', detail });
  else if (quality === 'YELLOW') items.push({ check: 'phone', severity: 'warning', code: 'quality_yellow', detail });
  if (name === 'DECLINED' || name === 'REJECTED') items.push({ check: 'phone', severity: 'warning', code: 'name_declined', detail });
  else if (name === 'PENDING_REVIEW' || name === 'PENDING') items.push({ check: 'phone', severity: 'warning', code: 'name_pending', detail });
  if (h.code_verification_status && h.code_verification_status.toUpperCase() === 'EXPIRED') items.push({ check: 'phone', severity: 'warning', code: 'code_expired', detail });
  if (items.length === 0) items.push({ check: 'phone', severity: 'ok', code: 'registered', detail });
  return items;
}
