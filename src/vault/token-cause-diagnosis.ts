// A token cause (meta/token-causes.ts) as a validation diagnosis: the guide step that fixes
// it, and whether the admin's token is at fault at all. A reset app secret is not: the link
// stays open (retryable) and the fix is the app secret in our settings, not a new token.
import type { TokenCause } from '../meta/token-causes';
import type { Diagnosis, DiagnosisCode, GuideStep } from './validation-types';

const DIAGNOSIS: Record<TokenCause, { code: DiagnosisCode; step: GuideStep | null }> = {
  expired: { code: 'expired', step: 4 },
  password_changed: { code: 'password_changed', step: 4 },
  app_not_installed: { code: 'app_not_installed', step: 3 },
  revoked: { code: 'invalid', step: 4 },
  not_asset_admin: { code: 'not_asset_admin', step: 3 },
  no_asset_access: { code: 'no_asset_access', step: 3 },
  app_secret_changed: { code: 'app_secret_changed', step: null },
};

/** Diagnosis codes whose text lives in the tokencause namespace. */
export const TOKEN_CAUSE_CODES: ReadonlySet<string> = new Set(['password_changed', 'app_not_installed', 'not_asset_admin', 'app_secret_changed']);

export function causeDiagnosis(cause: TokenCause, params: Record<string, string | number> = {}): { diagnosis: Diagnosis; retryable: boolean } {
  const d = DIAGNOSIS[cause];
  return { diagnosis: { code: d.code, step: d.step, params }, retryable: cause === 'app_secret_changed' };
}

/** The guide step that fixes a cause; null when no new token helps. */
export function causeStep(cause: TokenCause): GuideStep | null {
  return DIAGNOSIS[cause].step;
}
