// Delivers webhooks as Meta does: raw JSON body signed with the app secret in
// X-Hub-Signature-256, and any answer other than 200 retried after a backoff.
import { createHmac } from 'node:crypto';
import { postJson } from './post-json';
import { sleep } from './sleep';
import type { DeliveryResult } from './graph-types';

export const DEFAULT_RETRY_DELAYS_MS = [1000, 5000, 30000];

export function signPayload(raw: string, appSecret: string): string {
  return 'sha256=' + createHmac('sha256', appSecret).update(raw, 'utf8').digest('hex');
}

export async function deliverSigned(
  target: string,
  payload: object,
  appSecret: string,
  retryDelaysMs: readonly number[],
  signal: AbortSignal,
): Promise<DeliveryResult> {
  const raw = JSON.stringify(payload);
  const headers = { 'x-hub-signature-256': signPayload(raw, appSecret), 'user-agent': 'facebookexternalua' };
  let status = 0;
  let attempts = 0;
  for (;;) {
    attempts++;
    try {
      status = (await postJson(target, raw, headers)).status;
    } catch {
      status = 0; // refused, reset or timed out: Meta retries these too
    }
    if (status === 200 || signal.aborted || attempts > retryDelaysMs.length) return { status, attempts };
    await sleep(retryDelaysMs[attempts - 1], signal);
    if (signal.aborted) return { status, attempts };
  }
}
