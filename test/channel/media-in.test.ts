// Customers' media into giosg: each type from Meta's documented examples, fetched with the
// current token, uploaded to giosg and attached to the UMI message with caption and
// filename; size limits; giosg upload failures retried; auth errors on the media lookup or
// download pause the channel like a failed send, and the held media goes on after the swap,
// once and in the customer's order. The token and the signed media URL never reach a log.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { engines, Harness, makeToken, TENANT, waitFor } from '../../testkit/harness';
import type { ChannelEvents } from '../../src/events';
import { postSigned, startChannelHarness } from './channel-helpers';
import { mediaExample, sampleBytes, textExample, type ExampleKind, MEDIA_OBJECTS } from './media-examples';

const A = '16505551234';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('base64');

function collect<K extends keyof ChannelEvents>(h: Harness, name: K): ChannelEvents[K][] {
  const out: ChannelEvents[K][] = [];
  h.services.events.on(name, (e) => void out.push(e));
  return out;
}

async function promoteNewToken(h: Harness): Promise<string> {
  const token = makeToken();
  h.graph.addToken({ token, appId: TENANT.metaAppId, scopes: ['whatsapp_business_management', 'whatsapp_business_messaging'], targetIds: [TENANT.wabaId] });
  const id = await h.services.vault.addPending(TENANT.id, token, 'admin', 'test');
  await h.services.vault.markValidated(TENANT.id, id, { expiresAt: null, tokenType: 'SYSTEM_USER', verifiedName: 'Acme Oy', displayPhoneNumber: '+358 40 1234567' }, 'admin');
  const r = await h.services.vault.promote(TENANT.id, id, (await h.services.vault.current(TENANT.id))?.versionId ?? null, 'admin');
  expect(r.ok).toBe(true);
  return token;
}

const spoolFiles = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir) : []);

describe.each(engines)('media in (%s)', (engine) => {
  let h: Harness;
  let spool: string;
  beforeEach(async () => {
    spool = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-spool-test-'));
    h = await startChannelHarness({ engine, config: { mediaSpoolDir: spool } });
  });
  afterEach(async () => {
    await h.stop();
    fs.rmSync(spool, { recursive: true, force: true });
  });

  const expected: Record<ExampleKind, { text: string; file: RegExp }> = {
    image: { text: 'Black jacket', file: /^image-.*\.jpg$/ },
    audio: { text: 'Voice message', file: /^audio-.*\.ogg$/ },
    video: { text: 'Check out this dance!', file: /^video-.*\.mp4$/ },
    document: { text: 'Lucky Shrub Invoice', file: /^lucky-shrub-invoice\.pdf$/ },
    sticker: { text: 'Sticker', file: /^sticker-.*\.webp$/ },
  };

  test.each(Object.keys(expected) as ExampleKind[])('%s from Meta’s example reaches giosg as an attached file with caption and filename', async (kind) => {
    const bytes = sampleBytes(kind, kind === 'sticker' ? 30_000 : 200_000);
    const mime = String(MEDIA_OBJECTS[kind].mime_type).split(';')[0];
    const stored = await h.graph.media.add({ mimeType: mime, data: bytes });
    const wamid = `wamid.media-${kind}`;
    expect((await postSigned(h, mediaExample(kind, { mediaId: stored.id, from: A, wamid }))).status).toBe(200);
    const msg = await waitFor(() => h.giosg.umiMessages.find((m) => m.external_message_id === wamid), 'relayed');
    expect(msg.thread_id).toBe(A);
    expect(msg.text).toBe(expected[kind].text);
    expect(msg.attachments).toHaveLength(1);
    const att = msg.attachments![0];
    expect(att.file_name).toMatch(expected[kind].file);
    expect(att.content_type).toBe(mime);
    expect(att.file_size).toBe(bytes.length);
    // The agent's link opens the very bytes the customer sent.
    const opened = await fetch(att.url);
    expect(opened.status).toBe(200);
    expect(opened.headers.get('content-type')).toBe(mime);
    expect(sha(Buffer.from(await opened.arrayBuffer()))).toBe(sha(bytes));
    await h.idle();
    expect(h.giosg.umiMessages.filter((m) => m.external_message_id === wamid)).toHaveLength(1);
    // Downloaded with the token from the vault; the spool is left empty.
    expect(h.graph.requests.some((r) => r.method === 'GET' && r.path === `/v25.0/${stored.id}`)).toBe(true);
    expect(spoolFiles(spool)).toEqual([]);
    const logs = h.logs.text();
    expect(logs).not.toContain(h.token);
    expect(logs).not.toContain('/_media/download');
    expect(logs).not.toContain(att.url);
    // The database keeps the media id, never a URL or the token.
    const row = await h.services.store.db.selectFrom('inbound_messages').selectAll().where('wa_message_id', '=', wamid).executeTakeFirstOrThrow();
    expect(JSON.parse(row.media!)).toMatchObject({ kind, id: stored.id });
    expect(row.media).not.toContain('http');
  });

  test('an image over Meta’s 5 MB limit reaches giosg as a notice, without a download', async () => {
    const big = await h.graph.media.add({ mimeType: 'image/jpeg', size: 6 * 1024 * 1024, seed: 3 });
    await postSigned(h, mediaExample('image', { mediaId: big.id, from: A, wamid: 'wamid.big' }));
    const msg = await waitFor(() => h.giosg.umiMessages.find((m) => m.external_message_id === 'wamid.big'), 'relayed');
    expect(msg.attachments).toBeUndefined();
    expect(msg.text).toContain('Black jacket');
    expect(msg.text).toContain('too large');
    expect(msg.text).toContain('6.0 MB');
    expect(msg.text).toContain('5.0 MB');
    expect(h.graph.requests.filter((r) => r.path === '/_media/download')).toHaveLength(0);
    expect(h.giosg.uploads.size).toBe(0);
  });

  test('a file larger than Meta said is cut off at the limit while streaming', async () => {
    // A sticker may be at most 500 KB; the lookup claims 100 KB, the body is 600 KB.
    const liar = await h.graph.media.add({ mimeType: 'image/webp', size: 600 * 1024, seed: 4 });
    liar.reportedSize = 100 * 1024;
    await postSigned(h, mediaExample('sticker', { mediaId: liar.id, from: A, wamid: 'wamid.sticker-big' }));
    const msg = await waitFor(() => h.giosg.umiMessages.find((m) => m.external_message_id === 'wamid.sticker-big'), 'relayed');
    expect(msg.attachments).toBeUndefined();
    expect(msg.text).toContain('too large');
    expect(msg.text).toContain('500 KB');
    expect(h.graph.requests.filter((r) => r.path === '/_media/download')).toHaveLength(1);
    expect(h.giosg.uploads.size).toBe(0);
    expect(spoolFiles(spool)).toEqual([]);
  });

  test('giosg refusing the upload: retried with backoff, delivered once', async () => {
    const stored = await h.graph.media.add({ mimeType: 'image/jpeg', data: sampleBytes('image') });
    h.giosg.failNext(2, 503);
    await postSigned(h, mediaExample('image', { mediaId: stored.id, from: A, wamid: 'wamid.retry' }));
    const msg = await waitFor(() => h.giosg.umiMessages.find((m) => m.external_message_id === 'wamid.retry'), 'relayed');
    expect(msg.attachments).toHaveLength(1);
    await h.idle();
    expect(h.giosg.umiMessages.filter((m) => m.external_message_id === 'wamid.retry')).toHaveLength(1);
    const row = await h.services.store.db.selectFrom('inbound_messages').selectAll().where('wa_message_id', '=', 'wamid.retry').executeTakeFirstOrThrow();
    expect(row.state).toBe('relayed');
    expect(row.attempts).toBeGreaterThanOrEqual(1);
  });

  test('a media id Meta does not know: retried, then the agent gets a notice; later messages are not blocked', async () => {
    await postSigned(h, mediaExample('document', { mediaId: '999000111222', from: A, wamid: 'wamid.gone' }));
    await postSigned(h, textExample({ from: A, wamid: 'wamid.after-gone', body: 'did you get it?' }));
    await waitFor(() => h.giosg.umiMessages.length === 2, 'both relayed');
    expect(h.giosg.umiMessages.map((m) => m.external_message_id)).toEqual(['wamid.gone', 'wamid.after-gone']);
    expect(h.giosg.umiMessages[0].text).toContain('could not be fetched');
    expect(h.giosg.umiMessages[0].text).toContain('lucky-shrub-invoice.pdf');
    expect((await h.channel.status(TENANT.id)).paused).toBe(false);
  });

  test('expired token on the media lookup: paused and alerted, customer order held; after the swap delivered once, in order', async () => {
    const opened = collect(h, 'incident.opened');
    const stored = await h.graph.media.add({ mimeType: 'image/jpeg', data: sampleBytes('image') });
    h.graph.expireToken(h.token);
    await postSigned(h, mediaExample('image', { mediaId: stored.id, from: A, wamid: 'wamid.held-1' }));
    await postSigned(h, textExample({ from: A, wamid: 'wamid.held-2', body: 'the zipper is broken' }));
    // Another customer's text is not held by it.
    await postSigned(h, textExample({ from: '16505550000', wamid: 'wamid.other', body: 'hello' }));
    await waitFor(async () => (await h.channel.status(TENANT.id)).paused, 'paused');
    await waitFor(() => opened.length === 1, 'incident opened');
    expect(opened[0]).toMatchObject({ kind: 'token', fixableByToken: true, metaCode: 190 });
    // The admins hear of it in giosg, as for a failed send.
    await waitFor(() => h.giosg.chatMessages.some((m) => m.userId === TENANT.giosgBotUserId && /expired/i.test(m.message)), 'admins alerted');
    await waitFor(() => h.giosg.umiMessages.some((m) => m.external_message_id === 'wamid.other'), 'other customer relayed');
    await h.idle();
    expect(h.giosg.umiMessages.filter((m) => m.thread_id === A)).toHaveLength(0);
    const held = await h.services.store.db.selectFrom('inbound_messages').selectAll().where('wa_message_id', '=', 'wamid.held-1').executeTakeFirstOrThrow();
    expect(held).toMatchObject({ state: 'queued', paused_hold: 1 });

    const fresh = await promoteNewToken(h);
    await waitFor(() => h.giosg.umiMessages.filter((m) => m.thread_id === A).length === 2, 'held messages delivered');
    await h.idle();
    const mine = h.giosg.umiMessages.filter((m) => m.thread_id === A);
    expect(mine.map((m) => m.external_message_id)).toEqual(['wamid.held-1', 'wamid.held-2']);
    expect(mine[0].attachments).toHaveLength(1);
    expect((await h.channel.status(TENANT.id)).paused).toBe(false);
    expect(opened).toHaveLength(1);
    const logs = h.logs.text();
    expect(logs).not.toContain(h.token);
    expect(logs).not.toContain(fresh);
  });

  test('an auth error on the download itself (401 from the media URL) is an incident too; resumed, delivered once', async () => {
    const opened = collect(h, 'incident.opened');
    const stored = await h.graph.media.add({ mimeType: 'application/pdf', data: sampleBytes('document') });
    h.graph.media.failDownloads(1, 401);
    await postSigned(h, mediaExample('document', { mediaId: stored.id, from: A, wamid: 'wamid.dl-401' }));
    await waitFor(() => opened.length === 1, 'incident opened');
    expect(opened[0].kind).toBe('token');
    // The token is in fact fine: the probe finds so and resumes; the download goes on.
    const msg = await waitFor(() => h.giosg.umiMessages.find((m) => m.external_message_id === 'wamid.dl-401'), 'relayed after resume');
    expect(msg.attachments?.[0].file_name).toBe('lucky-shrub-invoice.pdf');
    await h.idle();
    expect(h.giosg.umiMessages.filter((m) => m.external_message_id === 'wamid.dl-401')).toHaveLength(1);
    expect(h.logs.text()).not.toContain(h.token);
  });
});
