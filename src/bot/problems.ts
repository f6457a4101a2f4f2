// A validation diagnosis in the admin's words (never the token).
import type { TFunction } from 'i18next';

const KNOWN = new Set(['invalid', 'expired', 'missing_scope', 'wrong_app', 'wrong_waba', 'no_asset_access']);

export function problemText(t: TFunction, code: string, params: Record<string, string | number> = {}): string {
  if (!KNOWN.has(code)) return t('bot:problem.other', { code });
  const scope = params.scope ?? params.missing ?? params.scopes ?? 'whatsapp_business_messaging';
  return t(`bot:problem.${code}`, { ...params, scope });
}
