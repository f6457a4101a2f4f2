// giosg App triggers: giosg opens the app's trigger URL with `type` and `data`, a JWT
// signed HS256 with the app secret (developers.giosg.com/giosg_apps.html#trigger-requests;
// the claims as giosg's own example app reads them: org_id, user_id, chat_id, visitor_id,
// inst_id, app_id, app_user_id, app_user_code, exp). An install also carries
// `redirect_uri` (where the admin's browser goes back to) and every trigger but uninstall
// a short-lived `token`. Only HS256 with our secret, unexpired, for our app id, is accepted.
import { errors as joseErrors, jwtVerify } from 'jose';
import { z } from 'zod';

export const TRIGGER_TYPES = ['install', 'uninstall', 'setup', 'chat_start', 'chat_end', 'manual_dialog', 'manual_nav', 'chat_join', 'chat_leave'] as const;

const nullableId = z.union([z.string(), z.number()]).transform(String).nullish().transform((v) => (v === undefined || v === '' ? null : v));

export const triggerQuery = z.object({
  type: z.string().trim().min(1).max(40),
  data: z.string().min(1).max(16_384),
  token: z.string().max(16_384).optional(),
  redirect_uri: z.string().max(2_000).optional(),
});

export const triggerClaims = z.object({
  org_id: z.union([z.string(), z.number()]).transform(String).pipe(z.string().min(1).max(200)),
  app_id: z.union([z.string(), z.number()]).transform(String).pipe(z.string().min(1).max(200)),
  user_id: nullableId,
  chat_id: nullableId,
  visitor_id: nullableId,
  inst_id: nullableId,
  app_user_id: nullableId,
  app_user_code: z.string().max(4_096).nullish().transform((v) => v ?? null),
  exp: z.number(),
});
export type TriggerClaims = z.infer<typeof triggerClaims>;

export type TriggerErrorCode =
  | 'trigger_malformed'
  | 'trigger_signature'
  | 'trigger_algorithm'
  | 'trigger_expired'
  | 'trigger_claims'
  | 'trigger_wrong_app'
  | 'trigger_type'
  | 'trigger_redirect';

export class TriggerError extends Error {
  constructor(
    readonly code: TriggerErrorCode,
    readonly status: 400 | 401,
    message: string,
  ) {
    super(message);
    this.name = 'TriggerError';
  }
}

/** Clock skew between giosg and us that an exp is allowed. */
const CLOCK_TOLERANCE_S = 30;

export async function verifyTriggerData(data: string, app: { appId: string; appSecret: string }, now: Date): Promise<TriggerClaims> {
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(data, new TextEncoder().encode(app.appSecret), {
      algorithms: ['HS256'],
      requiredClaims: ['exp'],
      currentDate: now,
      clockTolerance: CLOCK_TOLERANCE_S,
    }));
  } catch (err) {
    throw classify(err);
  }
  const claims = triggerClaims.safeParse(payload);
  if (!claims.success) {
    const path = claims.error.issues[0]?.path.join('.') ?? '';
    throw new TriggerError('trigger_claims', 400, `the trigger's data lacks a valid claim (${path})`);
  }
  if (claims.data.app_id !== app.appId) throw new TriggerError('trigger_wrong_app', 401, 'the trigger is for another giosg App');
  return claims.data;
}

function classify(err: unknown): TriggerError {
  if (err instanceof joseErrors.JWTExpired) return new TriggerError('trigger_expired', 401, 'the trigger has expired (a replay from browser history?)');
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return new TriggerError('trigger_algorithm', 401, 'the trigger is not signed with HS256');
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return new TriggerError('trigger_signature', 401, "the trigger's signature does not match the app secret");
  if (err instanceof joseErrors.JWTClaimValidationFailed) return new TriggerError('trigger_claims', 400, `the trigger's data lacks a valid claim (${err.claim})`);
  return new TriggerError('trigger_malformed', 400, 'the trigger data is not a JWT');
}
