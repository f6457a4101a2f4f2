// Step 2 of token validation: what Meta's debug_token says about the token, judged against
// the tenant's app and WhatsApp Business Account.
import type { DebugTokenData } from '../meta/graph-client';
import { GraphError } from '../meta/graph-errors';
import type { Tenant } from './tenants';
import type { Diagnosis, StepResult, Warning } from './validation-types';
import { metaFailure } from './validate-meta-failure';
import { tokenCause } from '../meta/token-causes';
import { causeDiagnosis } from './token-cause-diagnosis';

export const REQUIRED_SCOPES = ['whatsapp_business_management', 'whatsapp_business_messaging'] as const;

export interface DebugTokenFacts {
  tokenType: string | null;
  /** epoch ms; null = never expires */
  expiresAt: number | null;
  scopes: string[];
}

export async function fetchDebugToken(
  introspect: () => Promise<DebugTokenData>,
): Promise<StepResult<DebugTokenData>> {
  try {
    return { ok: true, value: await introspect(), warnings: [] };
  } catch (err) {
    if (!(err instanceof GraphError)) throw err;
    const unreachable = metaFailure(err);
    if (unreachable) return unreachable;
    // debug_token answers is_valid:false with HTTP 200 for a bad input token; an error
    // answer means Meta refused our app token (app id|secret): the operator must fix the
    // tenant's app credentials, nothing the admin pasted is at fault.
    return { ok: false, diagnosis: { code: 'app_credentials_rejected', step: null, params: { code: err.code ?? '' } }, retryable: true };
  }
}

export function judgeDebugToken(data: DebugTokenData, tenant: Tenant, now: number): StepResult<DebugTokenFacts> {
  const expiresAtMs = data.expires_at && data.expires_at > 0 ? data.expires_at * 1000 : null;
  if (!data.is_valid) {
    // An expiry in the past says "expired" even when Meta's answer carries no subcode.
    const pastExpiry = expiresAtMs !== null && expiresAtMs <= now;
    const cause = pastExpiry ? 'expired' : (tokenCause({ code: data.error?.code ?? 190, subcode: data.error?.subcode, message: data.error?.message }) ?? 'revoked');
    return { ok: false, ...causeDiagnosis(cause, cause === 'expired' && expiresAtMs ? { expiresAt: expiresAtMs } : {}) };
  }
  if (data.app_id !== undefined && data.app_id !== tenant.metaAppId) {
    return reject({ code: 'wrong_app', step: 4, params: { app: tenant.metaAppName ?? tenant.metaAppId, appId: tenant.metaAppId, otherApp: data.application ?? data.app_id } });
  }
  const scopes = data.scopes ?? [];
  const missing = REQUIRED_SCOPES.filter((s) => !scopes.includes(s));
  if (missing.length > 0) return reject({ code: 'missing_scope', step: 4, params: { scope: missing.join(', '), count: missing.length } });

  // target_ids narrow a scope to particular assets; absent means "all the user can reach".
  for (const g of data.granular_scopes ?? []) {
    if (!(REQUIRED_SCOPES as readonly string[]).includes(g.scope) || !g.target_ids) continue;
    if (!g.target_ids.includes(tenant.wabaId)) return reject({ code: 'wrong_waba', step: 3, params: { waba: tenant.wabaId, scope: g.scope } });
  }

  const warnings: Warning[] = [];
  const type = data.type ?? null;
  if (type !== null && type !== 'SYSTEM_USER') warnings.push({ code: 'user_token', step: 3, params: { type } });
  if (expiresAtMs !== null) warnings.push({ code: 'expires', step: 4, params: { expiresAt: expiresAtMs } });
  return { ok: true, value: { tokenType: type, expiresAt: expiresAtMs, scopes }, warnings };
}

function reject(diagnosis: Diagnosis): StepResult<never> {
  return { ok: false, diagnosis, retryable: false };
}
