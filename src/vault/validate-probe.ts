// Step 3 of token validation: use the token itself on the tenant's phone number, exactly
// as the sender will. Only this proves the system user was given the WhatsApp account.
import type { PhoneInfo } from '../meta/graph-client';
import { GraphError } from '../meta/graph-errors';
import type { StepResult } from './validation-types';
import { metaFailure } from './validate-meta-failure';

export interface ProbeFacts {
  verifiedName: string | null;
  displayPhoneNumber: string | null;
}

const EXPIRED_SUBCODE = 463;

export async function probeWithToken(probe: () => Promise<PhoneInfo>, phoneNumberId: string): Promise<StepResult<ProbeFacts>> {
  try {
    const info = await probe();
    return { ok: true, value: { verifiedName: info.verified_name ?? null, displayPhoneNumber: info.display_phone_number ?? null }, warnings: [] };
  } catch (err) {
    if (!(err instanceof GraphError)) throw err;
    const unreachable = metaFailure(err);
    if (unreachable) return unreachable;
    if (err.code === 190 || (err.errorClass === 'token' && !isProofError(err))) {
      const code = err.subcode === EXPIRED_SUBCODE ? 'expired' : 'invalid';
      return { ok: false, diagnosis: { code, step: 4, params: {} }, retryable: false };
    }
    // A rejected appsecret_proof means the tenant's app secret is wrong: operator's fault.
    if (isProofError(err)) return { ok: false, diagnosis: { code: 'app_credentials_rejected', step: null, params: { code: err.code ?? '' } }, retryable: true };
    // 200-299 (and 10) is Meta's "no permission on this object"; 100 "object does not
    // exist or cannot be loaded due to missing permissions" means the same for a number id.
    if (err.errorClass === 'permission' || err.code === 100) {
      return { ok: false, diagnosis: { code: 'no_asset_access', step: 3, params: { phoneNumberId } }, retryable: false };
    }
    return { ok: false, diagnosis: { code: 'probe_failed', step: null, params: { reason: err.reason } }, retryable: false };
  }
}

function isProofError(err: GraphError): boolean {
  return /appsecret_proof/i.test(err.message);
}
