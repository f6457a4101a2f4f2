// giosg's OAuth token endpoint: a bot user's app_user_code (from the install trigger) is
// exchanged for its persistent access token with the authorization code grant
// (developers.giosg.com/authentication.html#token-request-with-authorization-code-grant-flow).
// Form-encoded as giosg requires. The answer's token is handed back, never logged.
import { z } from 'zod';
import { requestJson, HttpTransportError } from '../http/json-request';
import { GiosgError } from './client';

const tokenAnswer = z.object({
  access_token: z.string().min(1),
  token_type: z.string().min(1),
  user_id: z.union([z.string(), z.number()]).transform(String),
  organization_id: z.union([z.string(), z.number()]).transform(String),
  app_id: z.union([z.string(), z.number()]).transform(String),
});
export type PersistentToken = z.infer<typeof tokenAnswer>;

const oauthError = z.object({ error: z.string(), error_description: z.string().optional() });

export async function exchangeAppUserCode(baseUrl: string, o: { code: string; appId: string; appSecret: string; timeoutMs?: number }): Promise<PersistentToken> {
  let answer;
  try {
    answer = await requestJson({
      method: 'POST',
      url: `${baseUrl.replace(/\/+$/, '')}/identity/token`,
      headers: {},
      form: { grant_type: 'authorization_code', code: o.code, client_id: o.appId, client_secret: o.appSecret },
      timeoutMs: o.timeoutMs ?? 10_000,
    });
  } catch (err) {
    const code = err instanceof HttpTransportError ? err.code : undefined;
    throw new GiosgError(`giosg token request failed (${code ?? 'network error'})`, 'network', undefined, undefined, true);
  }
  if (answer.status === 400) {
    const e = oauthError.safeParse(answer.data);
    // The code is single-use: a second exchange is refused with invalid_grant.
    throw new GiosgError(`giosg refused the app user code (${e.success ? e.data.error : 'HTTP 400'})`, 'client', 400);
  }
  if (answer.status === 401 || answer.status === 403) throw new GiosgError(`giosg refused the app credentials (HTTP ${answer.status})`, 'auth', answer.status);
  if (answer.status < 200 || answer.status >= 300) throw new GiosgError(`giosg token endpoint answered HTTP ${answer.status}`, 'server', answer.status);
  const parsed = tokenAnswer.safeParse(answer.data);
  if (!parsed.success) throw new GiosgError('unexpected token response from giosg', 'server');
  return parsed.data;
}
