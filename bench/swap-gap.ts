// Swap gap, measured the way test/links/swap-gap.test.ts does: with production timing, the
// token expires, an agent's reply is held, the admin submits a new token on the one-time
// link, and we time POST → first held reply accepted by the Graph simulator.
import { startHarness, makeToken, waitFor, TENANT } from '../testkit/harness';
import { issueLink, open, submit } from '../testkit/link-client';

const CUSTOMER = '358401234567';

export async function swapGapOnce(): Promise<number> {
  const h = await startHarness({ config: { logLevel: 'warn' } });
  try {
    h.graph.expireToken(h.token);
    await h.giosg.agentReply({ channelId: TENANT.giosgUmiChannelId, threadId: CUSTOMER, text: 'held reply' });
    await waitFor(async () => (await h.channel.status(TENANT.id)).paused, 'channel paused by the expired token', 20_000);
    const token = makeToken();
    h.graph.addToken({ token, appId: TENANT.metaAppId, type: 'SYSTEM_USER', targetIds: [TENANT.wabaId], expiresAt: 0 });
    const link = await issueLink(h);
    const form = await open(h, link.path);
    const postedAt = Date.now();
    const page = await submit(h, link.path, token, form);
    if (page.status !== 200) throw new Error(`token submission answered ${page.status}`);
    await waitFor(() => h.graph.sent.length >= 1, 'held reply delivered', 20_000, 5);
    return h.graph.sent[0].at - postedAt;
  } finally {
    await h.stop();
  }
}

export async function swapGap(runs: number): Promise<{ medianMs: number; runsMs: number[] }> {
  const runsMs: number[] = [];
  for (let i = 0; i < runs; i++) runsMs.push(await swapGapOnce());
  const sorted = [...runsMs].sort((a, b) => a - b);
  return { medianMs: sorted[Math.floor(sorted.length / 2)], runsMs };
}
