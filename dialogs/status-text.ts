// The channel's state for one tenant, as the admin reads it: token fingerprint, age and
// expiry, last successful send, paused or not and why, replies waiting. Apart from the
// dialog (status.ts) so the bot's status text needs no Botkit (src/bot/core.ts).
import { translator, type Locale } from '../src/i18n';
import { ago, formatTime, humanDuration } from '../src/bot/format';
import type { Clock } from '../src/clock';
import type { ChannelStatus } from '../src/channel/channel-types';
import type { CurrentToken } from '../src/vault/token-vault';
import type { WiringReport } from '../src/onboarding/wiring-types';
import { wiringLines } from '../src/onboarding/wiring-text';

export interface StatusFacts {
  phoneNumber: string;
  token: CurrentToken | null;
  /** null when the channel is not running here (or its state could not be read). */
  channel: ChannelStatus | null;
  /** The 24-hour window: held replies, chosen templates, invitations out (omitted when unknown). */
  window?: {
    held: { count: number; customers: number; oldest: number | null };
    templates: string[];
    invitations: Record<string, number>;
  } | null;
  /** The last Meta wiring check (null: never checked); undefined: not shown (no Meta side yet). */
  wiring?: WiringReport | null;
}

const KNOWN_REASONS = new Set(['token', 'permission', 'account', 'account_update']);

export function renderStatus(facts: StatusFacts, locale: Locale, clock: Clock): string {
  const t = translator(locale);
  const now = clock.now();
  const lines = [t('bot:status.title', { number: facts.phoneNumber })];
  const ch = facts.channel;
  if (!ch) lines.push(t('bot:status.sending_unknown'));
  else if (!ch.paused) lines.push(t('bot:status.sending_ok'));
  else {
    const kind = ch.incidentKind ?? '';
    const reason = KNOWN_REASONS.has(kind) ? t(`bot:status.reason.${kind}`) : t('bot:status.reason.other', { reason: ch.pausedReason ?? kind });
    const detail = ch.pausedReason && KNOWN_REASONS.has(kind) ? `${reason} (${ch.pausedReason})` : reason;
    lines.push(t('bot:status.sending_paused', { since: formatTime(locale, ch.pausedSince ?? now), reason: detail }));
  }
  const tok = facts.token;
  if (!tok) lines.push(t('bot:status.no_token'));
  else {
    const since = tok.promotedAt ?? tok.validatedAt ?? now;
    const expiry = tok.expiresAt === null ? t('bot:status.expires_never') : t('bot:status.expires_at', { date: formatTime(locale, tok.expiresAt) });
    lines.push(t('bot:status.token', { fingerprint: tok.fingerprint, age: humanDuration(t, now - since), expiry }));
  }
  if (ch) {
    lines.push(ch.lastSuccessAt === null ? t('bot:status.last_send_never') : t('bot:status.last_send', { when: `${formatTime(locale, ch.lastSuccessAt)} (${ago(t, now - ch.lastSuccessAt)})` }));
    lines.push(t('bot:status.queued', { count: ch.queued }));
  }
  const w = facts.window;
  if (w) {
    lines.push(w.held.count === 0 ? t('bot:status.held_none') : t('bot:status.held', { count: w.held.count, customers: w.held.customers, since: formatTime(locale, w.held.oldest ?? now) }));
    lines.push(w.templates.length ? t('bot:status.templates', { list: w.templates.join(', ') }) : t('bot:status.templates_none'));
    const inv = w.invitations;
    if ((inv.sent ?? 0) + (inv.pending ?? 0) + (inv.sending ?? 0) + (inv.failed ?? 0) > 0) {
      lines.push(t('bot:status.invitations', { sent: inv.sent ?? 0, pending: (inv.pending ?? 0) + (inv.sending ?? 0), failed: inv.failed ?? 0 }));
    }
  }
  if (facts.wiring !== undefined) lines.push('', ...wiringLines(facts.wiring, locale));
  return lines.join('\n');
}
