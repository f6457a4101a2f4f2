// The hot swap end to end with the real channel: the token expires, agents' replies are
// held, the admin submits a new token through the link, and the held replies go out once
// each, in order, with the new token. Records the swap gap (POST → first held reply
// accepted by the Graph simulator) in test/artifacts/swap-gap-<engine>.json; nothing asserts on time.
import fs from 'node:fs';
import path from 'node:path';
import { engines, startHarness, makeToken, waitFor, TENANT, type Harness } from '../../testkit/harness';
import { tokenFingerprint } from '../../src/sandbox/fingerprint';
import { issueLink, open, submit } from '../../testkit/link-client';

const ARTIFACTS = path.resolve(__dirname, '..', 'artifacts');
const CUSTOMER = '358401234567';

describe.each(engines)('hot swap with held replies on %s', (engine) => {
  let h: Harness;
  afterEach(async () => h && (await h.stop()));

  test('expired token → held replies → link → good token → delivered in order, once each', async () => {
    // Production timing (no fast tuning): the swap must not depend on a short poll interval.
    h = await startHarness({ engine });
    const reply = (text: string) => h.giosg.agentReply({ channelId: TENANT.giosgUmiChannelId, threadId: CUSTOMER, text });

    h.graph.expireToken(h.token);
    await reply('held 1');
    await waitFor(async () => (await h.channel.status(TENANT.id)).paused, 'channel paused by the expired token');
    await reply('held 2');
    await reply('held 3');
    await waitFor(async () => (await h.channel.status(TENANT.id)).queued === 3, 'three replies held');
    expect(h.graph.sent).toHaveLength(0);

    const token = makeToken();
    h.graph.addToken({ token, appId: TENANT.metaAppId, type: 'SYSTEM_USER', targetIds: [TENANT.wabaId], expiresAt: 0 });
    const link = await issueLink(h);
    const form = await open(h, link.path);

    const postedAt = Date.now();
    const page = await submit(h, link.path, token, form);
    const answeredAt = Date.now();
    expect(page.status).toBe(200);

    await waitFor(() => h.graph.sent.length >= 3, 'held replies delivered');
    const fp = tokenFingerprint(token);
    expect(h.graph.sent.map((m) => [m.body, m.to, m.tokenFingerprint])).toEqual([
      ['held 1', CUSTOMER, fp],
      ['held 2', CUSTOMER, fp],
      ['held 3', CUSTOMER, fp],
    ]);
    const status = await waitFor(async () => {
      const st = await h.channel.status(TENANT.id);
      return !st.paused && st.queued === 0 ? st : null;
    }, 'channel resumed and drained');
    expect(status.paused).toBe(false);
    // Once each: nothing more goes out later.
    await h.idle();
    expect(h.graph.sent).toHaveLength(3);

    const gap = { postToFirstHeldReplyMs: h.graph.sent[0].at - postedAt, postToPageMs: answeredAt - postedAt, postToLastHeldReplyMs: h.graph.sent[2].at - postedAt, engine, measuredAt: new Date().toISOString() };
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    fs.writeFileSync(path.join(ARTIFACTS, `swap-gap-${engine}.json`), `${JSON.stringify(gap, null, 2)}\n`);
    console.log(`swap gap (${engine}): POST → first held reply accepted by the Graph simulator ${gap.postToFirstHeldReplyMs} ms (page answered after ${gap.postToPageMs} ms)`);
    expect(h.logs.text()).not.toContain(token);
  });
});
