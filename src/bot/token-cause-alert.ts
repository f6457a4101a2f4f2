// The first alert of a send-time token incident, when Meta said why it refused the token:
// the usual "replies on hold" alert plus the cause and the guide step that fixes it. A
// reset app secret gets its own alert: no new token helps, so it offers no renewal.
import type { TFunction } from 'i18next';
import type { AlertIncident } from '../store/bot-alerts';
import { causeStep } from '../vault/token-cause-diagnosis';
import type { TokenCause } from '../meta/token-causes';

const CAUSES: ReadonlySet<string> = new Set<TokenCause>(['expired', 'password_changed', 'app_not_installed', 'revoked', 'not_asset_admin', 'no_asset_access', 'app_secret_changed']);

export function causeAlert(t: TFunction, inc: AlertIncident, params: Record<string, string>): string | null {
  const cause = inc.tokenCause;
  if (!cause || !CAUSES.has(cause)) return null;
  if (cause === 'app_secret_changed') return t('tokencause:alert.app_secret_changed', params);
  const fix = t(`tokencause:fix.${cause}`, { step: causeStep(cause as TokenCause) ?? '' });
  return `${t('bot:alert.auth', params)}\n${fix}`;
}
