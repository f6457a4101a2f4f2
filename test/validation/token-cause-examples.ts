// Meta's error answers for a refused token, one per cause, as the Graph API reference
// documents them (OAuthException 190 with its subcodes; 10 and 200 for missing
// permissions; code 100 for a wrong appsecret_proof).
import type { TokenCause } from '../../src/meta/token-causes';
import type { DiagnosisCode } from '../../src/vault/validation-types';

export interface CauseExample {
  name: string;
  code: number;
  subcode?: number;
  message?: string;
  cause: TokenCause;
  diagnosis: DiagnosisCode;
  step: number | null;
  /** Words that the English diagnosis on the link page contains. */
  says: string;
  /** Words that the English send-time alert contains. */
  alertSays: string;
}

export const CAUSE_EXAMPLES: CauseExample[] = [
  { name: '190/463 expired', code: 190, subcode: 463, cause: 'expired', diagnosis: 'expired', step: 4, says: 'This token has expired', alertSays: 'Cause: the token has expired. In the renewal guide, step 4' },
  { name: '190/460 password changed', code: 190, subcode: 460, cause: 'password_changed', diagnosis: 'password_changed', step: 4, says: 'the password of the person who created it was changed', alertSays: 'because a password was changed or for security. In the renewal guide, step 4' },
  { name: '190/458 app not installed', code: 190, subcode: 458, cause: 'app_not_installed', diagnosis: 'app_not_installed', step: 3, says: 'Go back to step 3: Assign assets → Apps', alertSays: 'no longer has the app. In the renewal guide, step 3' },
  { name: '190/467 invalid or revoked', code: 190, subcode: 467, cause: 'revoked', diagnosis: 'invalid', step: 4, says: 'Meta says this token is not valid', alertSays: 'revoked or is no longer valid. In the renewal guide, step 4' },
  { name: '190/492 not admin of the asset', code: 190, subcode: 492, cause: 'not_asset_admin', diagnosis: 'not_asset_admin', step: 3, says: 'not an admin of the WhatsApp account', alertSays: 'not an admin of the WhatsApp account. In the renewal guide, step 3' },
  { name: '190 without a subcode', code: 190, cause: 'revoked', diagnosis: 'invalid', step: 4, says: 'Meta says this token is not valid', alertSays: 'revoked or is no longer valid' },
  { name: '200 no access to the WABA', code: 200, cause: 'no_asset_access', diagnosis: 'no_asset_access', step: 3, says: 'no access to this WhatsApp account. Go back to step 3', alertSays: 'no access to the WhatsApp account. In the renewal guide, step 3' },
  { name: '10 permission denied', code: 10, cause: 'no_asset_access', diagnosis: 'no_asset_access', step: 3, says: 'no access to this WhatsApp account. Go back to step 3', alertSays: 'no access to the WhatsApp account. In the renewal guide, step 3' },
  {
    name: 'wrong appsecret_proof',
    code: 100,
    message: 'Invalid appsecret_proof provided in the API argument',
    cause: 'app_secret_changed',
    diagnosis: 'app_secret_changed',
    step: null,
    says: 'not a problem with your token',
    alertSays: 'A new token will not fix this',
  },
];
