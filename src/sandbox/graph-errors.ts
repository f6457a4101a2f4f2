// Meta-shaped error answers. The client under test classifies on `code` (and the
// appsecret_proof message), so codes, subcodes and types follow Meta's documentation;
// HTTP statuses are what Meta sends, which is why 130429 comes back as 400, not 429.
import { randomBytes } from 'node:crypto';
import type { MetaErrorSpec } from './graph-types';

export interface MetaErrorBody {
  error: {
    message: string;
    type: string;
    code: number;
    error_subcode?: number;
    error_data?: { messaging_product: 'whatsapp'; details: string };
    is_transient?: boolean;
    fbtrace_id: string;
  };
}

export interface MetaError {
  httpStatus: number;
  body: MetaErrorBody;
}

export const fbtraceId = (): string => randomBytes(9).toString('base64url');

interface Build {
  httpStatus: number;
  code: number;
  message: string;
  type?: string;
  subcode?: number;
  details?: string;
  transient?: boolean;
}

function build(b: Build): MetaError {
  const error: MetaErrorBody['error'] = {
    message: b.message,
    type: b.type ?? 'OAuthException',
    code: b.code,
    fbtrace_id: fbtraceId(),
  };
  if (b.subcode !== undefined) error.error_subcode = b.subcode;
  if (b.details !== undefined) error.error_data = { messaging_product: 'whatsapp', details: b.details };
  if (b.transient) error.is_transient = true;
  return { httpStatus: b.httpStatus, body: { error } };
}

// Meta's long date format in expiry messages, e.g. "Tuesday, 04-Nov-25 10:00:00 UTC".
function metaDate(unixSec: number): string {
  const d = new Date(unixSec * 1000);
  const day = d.toLocaleDateString('en-US', { weekday: 'long', timeZone: 'UTC' });
  const dd = String(d.getUTCDate()).padStart(2, '0');
  const mon = d.toLocaleDateString('en-US', { month: 'short', timeZone: 'UTC' });
  const yy = String(d.getUTCFullYear() % 100).padStart(2, '0');
  return `${day}, ${dd}-${mon}-${yy} ${d.toISOString().slice(11, 19)} UTC`;
}

export const expiredMessage = (expiresAt: number): string =>
  `Error validating access token: Session has expired on ${metaDate(expiresAt)}. ` +
  `The current time is ${metaDate(Math.floor(Date.now() / 1000))}.`;

export const INVALIDATED_MESSAGE = 'Error validating access token: The session has been invalidated.';

// Default texts for codes that tests inject with failNext() without a message.
const KNOWN: Record<number, string> = {
  1: 'An unknown error occurred',
  2: 'Service temporarily unavailable',
  4: '(#4) Application request limit reached',
  10: '(#10) Application does not have permission for this action',
  200: '(#200) Permissions error',
  100: '(#100) Invalid parameter',
  131000: 'Something went wrong',
  131026: 'Message undeliverable',
  131047: 'Re-engagement message',
  131056: '(#131056) (Business Account, Consumer Account) pair rate limit hit',
  130429: '(#130429) Rate limit hit',
  368: 'Temporarily blocked for policies violations',
};

// Meta's own wording for the code-190 subcodes (Graph API "Handling errors" reference).
const TOKEN_SUBCODE_TEXT: Record<number, string> = {
  458: 'Error validating access token: The user has not authorized application.',
  460: 'Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.',
  463: 'Error validating access token: Session has expired.',
  467: 'Error validating access token: The access token is invalid.',
  492: 'Error validating access token: The session is invalid because the user is not an admin of the asset.',
};

/** A failure set on one token; unset texts and statuses are Meta's for that code. */
export function tokenFailure(s: { code: number; subcode?: number; message?: string; httpStatus?: number }): MetaErrorSpec {
  const message = s.message ?? (s.code === 190 ? (s.subcode !== undefined ? TOKEN_SUBCODE_TEXT[s.subcode] : undefined) ?? 'Invalid OAuth access token.' : KNOWN[s.code]);
  const httpStatus = s.httpStatus ?? (s.code === 190 ? 401 : s.code === 10 || (s.code >= 200 && s.code <= 299) ? 403 : 400);
  return { httpStatus, code: s.code, subcode: s.subcode, message, type: s.code === 100 ? 'GraphMethodException' : 'OAuthException' };
}

export const metaErrors = {
  custom: (s: MetaErrorSpec): MetaError =>
    build({
      httpStatus: s.httpStatus,
      code: s.code,
      subcode: s.subcode,
      type: s.type,
      message: s.message ?? KNOWN[s.code] ?? `(#${s.code}) Simulated error`,
      // WhatsApp-specific codes (13xxxx) carry error_data.details in real answers.
      details: s.code >= 130000 ? (s.message ?? KNOWN[s.code] ?? 'Simulated error') : undefined,
    }),
  missingToken: (): MetaError =>
    build({ httpStatus: 400, code: 104, message: 'An access token is required to request this resource.' }),
  unknownToken: (): MetaError =>
    build({ httpStatus: 401, code: 190, message: 'Invalid OAuth access token - Cannot parse access token' }),
  badAppToken: (): MetaError =>
    build({ httpStatus: 400, code: 190, message: 'Invalid OAuth access token signature.' }),
  expired: (expiresAt: number): MetaError =>
    build({ httpStatus: 401, code: 190, subcode: 463, message: expiredMessage(expiresAt) }),
  invalidated: (): MetaError => build({ httpStatus: 401, code: 190, subcode: 467, message: INVALIDATED_MESSAGE }),
  proofMissing: (): MetaError =>
    build({
      httpStatus: 400,
      code: 100,
      type: 'GraphMethodException',
      message: 'API calls from the server require an appsecret_proof argument',
    }),
  proofWrong: (): MetaError =>
    build({
      httpStatus: 400,
      code: 100,
      type: 'GraphMethodException',
      message: 'Invalid appsecret_proof provided in the API argument',
    }),
  permission: (): MetaError => build({ httpStatus: 403, code: 200, message: '(#200) Permissions error' }),
  scope: (): MetaError =>
    build({ httpStatus: 403, code: 10, message: '(#10) Application does not have permission for this action' }),
  throttled: (): MetaError =>
    build({
      httpStatus: 400,
      code: 130429,
      message: '(#130429) Rate limit hit',
      details: 'Cloud API message throughput has been reached.',
    }),
  invalidParam: (message: string, details?: string): MetaError =>
    build({ httpStatus: 400, code: 100, message, details }),
  unknownObject: (id: string, method: string): MetaError =>
    build({
      httpStatus: 400,
      code: 100,
      subcode: 33,
      type: 'GraphMethodException',
      message:
        `Unsupported ${method.toLowerCase()} request. Object with ID '${id}' does not exist, cannot be loaded ` +
        'due to missing permissions, or does not support this operation. ' +
        'Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api',
    }),
  unknownField: (field: string): MetaError =>
    build({
      httpStatus: 400,
      code: 100,
      message: `(#100) Tried accessing nonexisting field (${field}) on node type (WhatsAppBusinessPhoneNumber)`,
    }),
  unknownPath: (path: string): MetaError =>
    build({ httpStatus: 400, code: 2500, message: `Unknown path components: ${path}` }),
  serverError: (): MetaError =>
    build({
      httpStatus: 503,
      code: 2,
      transient: true,
      message: 'An unexpected error has occurred. Please retry your request later.',
    }),
};
