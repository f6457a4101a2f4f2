// A reply with an attachment written outside the 24-hour window is held like text and,
// when the customer writes again, goes out with its file (the held row keeps the sealed
// attachment; without it the release would send only the caption).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { engines, Harness, TENANT, waitFor } from '../../testkit/harness';
import { customer, postSigned, startChannelHarness } from '../channel/channel-helpers';
import { sampleBytes } from '../channel/media-examples';
import { JumpClock, HOUR, heldRows } from './window-helpers';

const A = '358401234567';

describe.each(engines)('service window, held media reply (%s)', (engine) => {
  let h: Harness;
  let spool: string;
  const clock = new JumpClock();
  beforeEach(async () => {
    clock.offset = 0;
    spool = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-spool-window-'));
    h = await startChannelHarness({ engine, clock, config: { mediaSpoolDir: spool } });
  });
  afterEach(async () => {
    await h.stop();
    fs.rmSync(spool, { recursive: true, force: true });
  });

  test('the held attachment is released with its file, sealed while it waits', async () => {
    await postSigned(h, customer(h, A, 'Hei!'));
    await waitFor(async () => (await h.services.store.db.selectFrom('service_windows').selectAll().where('wa_id', '=', A).executeTakeFirst())?.last_inbound_at, 'window recorded');
    clock.offset = 25 * HOUR;
    const photo = sampleBytes('image', 120_000);
    const r = await h.giosg.agentReply({ channelId: TENANT.giosgUmiChannelId, threadId: A, text: 'The part you asked about', attachments: [{ fileName: 'part.jpg', contentType: 'image/jpeg', data: photo }] });
    expect(r.status).toBe(200);
    const held = await waitFor(async () => ((await heldRows(h)).length === 1 ? heldRows(h) : null), 'held');
    expect(held[0].media).toBeTruthy();
    expect(held[0].media).not.toContain('http');
    expect(held[0].media).not.toContain('part.jpg');
    await h.idle();
    expect(h.graph.media.sent).toHaveLength(0);

    clock.offset = 0;
    await postSigned(h, customer(h, A, 'Kiitos'));
    await waitFor(() => h.graph.media.sent.length === 1, 'media sent after release');
    expect(h.graph.media.sent[0]).toMatchObject({ kind: 'image', caption: 'The part you asked about' });
    expect(h.graph.media.sent[0].file).toMatchObject({ mimeType: 'image/jpeg', size: photo.length });
    expect(await heldRows(h)).toHaveLength(0);
  });
});
