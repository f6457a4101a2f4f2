// Why Meta refuses an access token, from its error code and subcode. Meta documents the
// OAuthException subcodes of code 190 (Graph API "Handling errors"): each has a different
// fix, so the admin is told which one instead of a blanket "invalid".
export type TokenCause =
  | 'expired'
  | 'password_changed'
  | 'app_not_installed'
  | 'revoked'
  | 'not_asset_admin'
  | 'no_asset_access'
  | 'app_secret_changed';

/** Code 190 subcodes, as listed in Meta's error reference. */
const SUBCODES_190: Record<number, TokenCause> = {
  463: 'expired',
  460: 'password_changed',
  458: 'app_not_installed',
  467: 'revoked',
  492: 'not_asset_admin',
};

export interface MetaErrorFacts {
  code: number | undefined;
  subcode: number | undefined;
  message?: string;
}

/** null: the error says nothing about the token (a message problem, an outage…). */
export function tokenCause(e: MetaErrorFacts): TokenCause | null {
  // A wrong appsecret_proof comes back as code 100; the token itself may be fine.
  if (e.message && /appsecret_proof/i.test(e.message)) return 'app_secret_changed';
  if (e.code === 190) return (e.subcode !== undefined && SUBCODES_190[e.subcode]) || 'revoked';
  // 102: "API session" — the session key behind the token is no longer valid.
  if (e.code === 102) return 'revoked';
  if (e.code === 10 || (e.code !== undefined && e.code >= 200 && e.code <= 299)) return 'no_asset_access';
  return null;
}
