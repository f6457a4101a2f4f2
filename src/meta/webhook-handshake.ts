// Plays Meta's webhook verification request against a callback URL, the way Meta does when
// the callback is configured: GET with hub.mode=subscribe, hub.verify_token and
// hub.challenge; a working callback answers 200 with the challenge as its whole body.
import { randomBytes } from 'node:crypto';
import { requestJson, HttpTransportError } from '../http/json-request';

export type HandshakeResult =
  | { ok: true }
  | { ok: false; status: number | null; reason: 'unreachable' | 'rejected' | 'not_found' | 'wrong_answer' | 'http_error' };

export async function webhookHandshake(callbackUrl: string, verifyToken: string, timeoutMs = 5_000): Promise<HandshakeResult> {
  // A letter first: the answer is read as JSON when it parses, and this never does.
  const challenge = `w${randomBytes(12).toString('hex')}`;
  const url = new URL(callbackUrl);
  url.searchParams.set('hub.mode', 'subscribe');
  url.searchParams.set('hub.verify_token', verifyToken);
  url.searchParams.set('hub.challenge', challenge);
  let answer;
  try {
    answer = await requestJson({ method: 'GET', url: url.toString(), headers: {}, timeoutMs });
  } catch (err) {
    if (err instanceof HttpTransportError) return { ok: false, status: null, reason: 'unreachable' };
    throw err;
  }
  if (answer.status === 200) {
    return answer.data === challenge ? { ok: true } : { ok: false, status: 200, reason: 'wrong_answer' };
  }
  if (answer.status === 403 || answer.status === 401) return { ok: false, status: answer.status, reason: 'rejected' };
  if (answer.status === 404) return { ok: false, status: 404, reason: 'not_found' };
  return { ok: false, status: answer.status, reason: 'http_error' };
}
