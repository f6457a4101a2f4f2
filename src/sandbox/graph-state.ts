// Mutable world of the Graph simulator: tokens, numbers, what was sent, injected faults.
// Arrays handed out through the GraphSim handle are cleared in place on reset so that a
// test holding `sim.sent` keeps looking at the live list.
import { randomBytes } from 'node:crypto';
import type { LoggedRequest } from './request-log';
import type { ReadMark } from './graph-read';
import { defaultTemplates, type SimTemplate } from './graph-templates';
import type { GraphMode, MetaErrorSpec, SentMessage, SimPhone, SimToken } from './graph-types';

export const WHATSAPP_SCOPES = ['whatsapp_business_management', 'whatsapp_business_messaging'];

export interface StoredToken {
  token: string;
  appId: string;
  type: 'SYSTEM_USER' | 'USER' | 'PAGE';
  scopes: string[];
  targetIds?: string[];
  expiresAt: number;
  valid: boolean;
  phoneAccess?: string[];
  /** Every call with this token answers this error (code 190 ones also through debug_token). */
  failure?: MetaErrorSpec;
  issuedAt: number;
  userId: string;
}

export type TokenStatus = 'unknown' | 'invalid' | 'expired' | 'ok';

const nowSec = (): number => Math.floor(Date.now() / 1000);

export class GraphState {
  readonly tokens = new Map<string, StoredToken>();
  readonly phones = new Map<string, SimPhone>();
  /** WABA id → app ids subscribed to its webhooks (GET/POST /{waba-id}/subscribed_apps). */
  readonly subscriptions = new Map<string, Set<string>>();
  refuseSubscribe = false;
  readonly sent: SentMessage[] = [];
  /** Read marks (and typing indicators) the business sent, in order. */
  readonly readMarks: ReadMark[] = [];
  /** Ids of the customer messages this simulator delivered: the ones a read mark may name. */
  readonly customerMessageIds = new Set<string>();
  /** Each WABA's message templates (graph-templates.ts). */
  readonly templates: SimTemplate[] = [];
  /** When each customer (digits) last wrote, as far as this simulator saw: Meta's 24-hour window. */
  readonly lastInbound = new Map<string, number>();
  /** Sent messages the customer has read (their `read` status went out). */
  readonly readByCustomer = new Set<string>();
  readonly requests: LoggedRequest[] = [];
  mode: GraphMode = 'ok';
  latencyMs = 0;
  throttlePerSecond: number | null = null;
  webhookTarget: string | undefined;
  private failures: { remaining: number; err: MetaErrorSpec } | undefined;
  private recentSends: number[] = [];

  constructor(readonly appId: string) {}

  addToken(t: SimToken): StoredToken {
    const stored: StoredToken = {
      token: t.token,
      appId: t.appId,
      type: t.type ?? 'SYSTEM_USER',
      scopes: [...(t.scopes ?? WHATSAPP_SCOPES)],
      targetIds: t.targetIds ? [...t.targetIds] : undefined,
      expiresAt: t.expiresAt ?? 0,
      valid: t.valid ?? true,
      phoneAccess: t.phoneAccess ? [...t.phoneAccess] : undefined,
      issuedAt: nowSec(),
      // System users have numeric ids; any stable digits will do.
      userId: String(100000000000000 + randomBytes(4).readUInt32BE(0)),
    };
    this.tokens.set(t.token, stored);
    return stored;
  }

  /** A number's WABA comes into being with it, this simulator's app subscribed (as after Embedded Signup). */
  addPhone(p: SimPhone): void {
    this.phones.set(p.id, { ...p, health: { ...p.health } });
    if (!this.subscriptions.has(p.wabaId)) this.subscriptions.set(p.wabaId, new Set([this.appId]));
    // Each WABA starts with the demo catalog of message templates (graph-templates.ts).
    if (!this.templates.some((t) => t.wabaId === p.wabaId)) this.templates.push(...defaultTemplates(p.wabaId));
  }

  wabaExists(wabaId: string): boolean {
    return [...this.phones.values()].some((p) => p.wabaId === wabaId);
  }

  expire(stored: StoredToken): void {
    // Strictly in the past, so "expired" holds even within the same second.
    stored.expiresAt = Math.min(stored.expiresAt || Infinity, nowSec() - 1);
  }

  status(token: string | undefined): TokenStatus {
    const t = token === undefined ? undefined : this.tokens.get(token);
    if (!t) return 'unknown';
    if (!t.valid) return 'invalid';
    if (t.expiresAt > 0 && t.expiresAt <= nowSec()) return 'expired';
    return 'ok';
  }

  failNext(n: number, err: MetaErrorSpec): void {
    this.failures = n > 0 ? { remaining: n, err } : undefined;
  }

  takeFailure(): MetaErrorSpec | undefined {
    if (!this.failures) return undefined;
    const { err } = this.failures;
    if (--this.failures.remaining <= 0) this.failures = undefined;
    return err;
  }

  /** True when one more send now would exceed the rolling one-second budget. */
  overThrottle(now = Date.now()): boolean {
    if (this.throttlePerSecond === null) return false;
    this.recentSends = this.recentSends.filter((t) => now - t < 1000);
    return this.recentSends.length >= this.throttlePerSecond;
  }

  noteSend(now = Date.now()): void {
    if (this.throttlePerSecond !== null) this.recentSends.push(now);
  }

  reset(): void {
    this.tokens.clear();
    this.phones.clear();
    this.subscriptions.clear();
    this.refuseSubscribe = false;
    this.sent.length = 0;
    this.readMarks.length = 0;
    this.customerMessageIds.clear();
    this.readByCustomer.clear();
    this.templates.length = 0;
    this.lastInbound.clear();
    this.requests.length = 0;
    this.mode = 'ok';
    this.latencyMs = 0;
    this.throttlePerSecond = null;
    this.webhookTarget = undefined;
    this.failures = undefined;
    this.recentSends = [];
  }
}
