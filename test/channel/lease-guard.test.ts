// A reply Meta has accepted is not sent again outside the crash window:
// - a send in flight keeps its row: even with a short WORKER_LEASE_MS, a send starts only
//   with 15 s of lease left (renewed if needed), so another instance cannot claim the row
//   while the Graph call is slow. Without this, a 3 s lease let a second instance re-send
//   replies on a loaded machine (test/scale/multi-instance.test.ts, case b);
// - a failed write of the acceptance is retried, and the row is not put back in the queue.
import { OutboxRepo } from '../../src/store/outbox-repo';
import { waitFor, type Harness } from '../../testkit/harness';
import { agentReply, FAST, outboxRows, startChannelHarness } from './channel-helpers';

describe('the lease of a send in flight', () => {
  let h: Harness;
  afterEach(async () => h && (await h.stop()));

  test('a slow send with a 3 s lease cannot be claimed by another instance, and goes out once', async () => {
    h = await startChannelHarness({ config: { channelTuning: { ...FAST, leaseMs: 3_000 } } });
    h.graph.setMode('slow', { latencyMs: 4_000 });
    const posts = () => h.graph.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/messages')).length;

    expect((await agentReply(h, '358401000009', 'slow one')).status).toBe(200);
    await waitFor(() => posts() >= 1, 'the send reached the Graph simulator');
    const startedAt = Date.now();
    const [row] = await outboxRows(h);
    expect(row.state).toBe('sending');
    expect(Number(row.lease_until)).toBeGreaterThanOrEqual(startedAt + 14_000 - 1_000);

    // Another instance whose clock is past the 3 s the claim gave: the row is not free.
    const other = new OutboxRepo(h.services.store.db, h.services.store.engine);
    expect(await other.claim('another-instance', startedAt + 3_500, 3_000, 10)).toHaveLength(0);

    await waitFor(async () => (await outboxRows(h))[0].state === 'sent', 'the slow send recorded', 10_000, 50);
    expect(h.graph.sent.map((m) => m.body)).toEqual(['slow one']);
    expect(posts()).toBe(1);
  }, 20_000);
});

describe('recording an accepted send', () => {
  let h: Harness;
  afterEach(async () => h && (await h.stop()));

  test('a failed write of the acceptance is retried; the reply is not put back in the queue and goes out once', async () => {
    h = await startChannelHarness();
    // A real SQLite error on the acceptance write, switched by a flag row (a trigger).
    const raw = h.services.store.sqliteDb!;
    raw.exec(`create table fail_accept (on_ integer not null); insert into fail_accept values (1);
      create trigger fail_accept_write before update of wamid on outbox when (select on_ from fail_accept) = 1
      begin select raise(abort, 'injected: disk I/O error'); end;`);
    expect((await agentReply(h, '358401000010', 'accepted once')).status).toBe(200);
    await waitFor(() => h.graph.sent.length >= 1, 'Meta accepted the reply');
    // Meta has it; the write keeps failing for a while (the first tries at 50 and 200 ms).
    await new Promise((r) => setTimeout(r, 400));
    let [row] = await outboxRows(h);
    expect(row.state).toBe('sending');
    expect(row.wamid).toBeNull();
    raw.exec('update fail_accept set on_ = 0');
    await waitFor(async () => (await outboxRows(h))[0].state === 'sent', 'the acceptance recorded on a retry', 5_000, 50);
    [row] = await outboxRows(h);
    expect(row.wamid).toBe(h.graph.sent[0].id);
    // Still exactly one send after the retries and the sender's next ticks.
    await new Promise((r) => setTimeout(r, 500));
    expect(h.graph.sent.map((m) => m.body)).toEqual(['accepted once']);
  }, 20_000);
});
