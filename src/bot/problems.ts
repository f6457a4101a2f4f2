// A validation diagnosis in the admin's words (never the token).
import type { TFunction } from 'i18next';

const KNOWN = new Set(['invalid', 'expired', 'missing_scope', 'wrong_app', 'wrong_waba', 'no_asset_access']);
/** Problems named by Meta's code 190 subcodes and the proof check (tokencause namespace). */
const BY_CAUSE = new Set(['password_changed', 'app_not_installed', 'not_asset_admin', 'app_secret_changed']);

export function problemText(t: TFunction, code: string, params: Record<string, string | number> = {}): string {
  if (BY_CAUSE.has(code)) return t(`tokencause:problem.${code}`, params);
  if (!KNOWN.has(code)) return t('bot:problem.other', { code });
  const scope = params.scope ?? params.missing ?? params.scopes ?? 'whatsapp_business_messaging';
  return t(`bot:problem.${code}`, { ...params, scope });
}
