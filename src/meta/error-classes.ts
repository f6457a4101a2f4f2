// Meta's error codes, grouped by what we do about them (DESIGN.md section 4). Classify on
// `code` as Meta advises; the HTTP status is only a hint for codes we do not know.
export type ErrorClass = 'token' | 'permission' | 'throttled' | 'transient' | 'account' | 'message';

const BY_CODE: Record<number, ErrorClass> = {
  // token: ask an admin for a new token, pause sending
  190: 'token',
  0: 'token',
  102: 'token',
  // permission: the token lacks a scope or asset access; a new token fixes it
  3: 'permission',
  10: 'permission',
  131005: 'permission',
  // throttled: retry later, keep order
  4: 'throttled',
  80007: 'throttled',
  130429: 'throttled',
  131056: 'throttled',
  131057: 'throttled',
  // transient: retry with backoff
  1: 'transient',
  2: 'transient',
  131000: 'transient',
  131016: 'transient',
  // account: alert, a new token does not help
  368: 'account',
  131031: 'account',
  130497: 'account',
  131042: 'account',
  131048: 'account',
  131064: 'account',
  33: 'account',
  // message: permanent for this one message
  100: 'message',
  131008: 'message',
  131009: 'message',
  131021: 'message',
  131026: 'message',
  131047: 'message',
  131050: 'message',
  131051: 'message',
  130403: 'message',
};

/** Classes that stop the whole channel until something changes. */
export const PAUSING_CLASSES: ReadonlySet<ErrorClass> = new Set(['token', 'permission', 'account']);
/** Classes a new token can fix. */
export const TOKEN_FIXABLE: ReadonlySet<ErrorClass> = new Set(['token', 'permission']);

export function classifyMetaError(code: number | undefined, httpStatus?: number, message?: string): ErrorClass {
  if (code !== undefined) {
    // An invalid appsecret_proof arrives as code 100 but means the credentials are wrong.
    if (code === 100 && message && /appsecret_proof/i.test(message)) return 'token';
    const known = BY_CODE[code];
    if (known) return known;
    if (code >= 200 && code <= 299) return 'permission';
    if (code >= 132000 && code <= 132999) return 'message';
  }
  if (httpStatus !== undefined) {
    if (httpStatus >= 500) return 'transient';
    if (httpStatus === 429) return 'throttled';
    if (httpStatus === 401) return 'token';
    if (httpStatus === 403) return 'permission';
  }
  // Unknown 4xx answers are treated as a problem with this message, not the channel:
  // pausing on an unknown code would hold every reply for something a token cannot fix.
  return httpStatus !== undefined && httpStatus >= 400 && httpStatus < 500 ? 'message' : 'transient';
}
