// Step 3 of token validation: use the token itself on the tenant's phone number, exactly
// as the sender will. Only this proves the system user was given the WhatsApp account.
import type { PhoneInfo } from '../meta/graph-client';
import { GraphError } from '../meta/graph-errors';
import type { StepResult } from './validation-types';
import { metaFailure } from './validate-meta-failure';
import { tokenCause } from '../meta/token-causes';
import { causeDiagnosis } from './token-cause-diagnosis';

export interface ProbeFacts {
  verifiedName: string | null;
  displayPhoneNumber: string | null;
}

export async function probeWithToken(probe: () => Promise<PhoneInfo>, phoneNumberId: string): Promise<StepResult<ProbeFacts>> {
  try {
    const info = await probe();
    return { ok: true, value: { verifiedName: info.verified_name ?? null, displayPhoneNumber: info.display_phone_number ?? null }, warnings: [] };
  } catch (err) {
    if (!(err instanceof GraphError)) throw err;
    const unreachable = metaFailure(err);
    if (unreachable) return unreachable;
    const cause = tokenCause({ code: err.code, subcode: err.subcode, message: err.message });
    if (cause === 'no_asset_access') return { ok: false, ...causeDiagnosis(cause, { phoneNumberId }) };
    if (cause) return { ok: false, ...causeDiagnosis(cause) };
    if (err.errorClass === 'token') return { ok: false, ...causeDiagnosis('revoked') };
    // 100 "object does not exist or cannot be loaded due to missing permissions" means, for
    // a number id we know exists, what 200-299 (and 10) say outright: no access to it.
    if (err.errorClass === 'permission' || err.code === 100) {
      return { ok: false, diagnosis: { code: 'no_asset_access', step: 3, params: { phoneNumberId } }, retryable: false };
    }
    return { ok: false, diagnosis: { code: 'probe_failed', step: null, params: { reason: err.reason } }, retryable: false };
  }
}
