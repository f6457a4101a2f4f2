// Agents' attachments to WhatsApp: giosg's file downloaded, uploaded to Meta
// (POST /{phone-number-id}/media) and sent as the right media type with its caption; the
// text becomes the caption when it can; types and sizes WhatsApp refuses get a localized
// notice in the agent's chat; an auth error on the upload pauses like a send and the
// attachment goes out once after the swap. The signed link is sealed at rest.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { engines, Harness, makeToken, TENANT, waitFor } from '../../testkit/harness';
import { outboxRows, startChannelHarness } from './channel-helpers';
import { sampleBytes } from './media-examples';

const A = '358401234567';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('base64');

async function promoteNewToken(h: Harness): Promise<string> {
  const token = makeToken();
  h.graph.addToken({ token, appId: TENANT.metaAppId, scopes: ['whatsapp_business_management', 'whatsapp_business_messaging'], targetIds: [TENANT.wabaId] });
  const id = await h.services.vault.addPending(TENANT.id, token, 'admin', 'test');
  await h.services.vault.markValidated(TENANT.id, id, { expiresAt: null, tokenType: 'SYSTEM_USER', verifiedName: 'Acme Oy', displayPhoneNumber: '+358 40 1234567' }, 'admin');
  const r = await h.services.vault.promote(TENANT.id, id, (await h.services.vault.current(TENANT.id))?.versionId ?? null, 'admin');
  expect(r.ok).toBe(true);
  return token;
}

describe.each(engines)('media out (%s)', (engine) => {
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

  const reply = (text: string, attachments: { fileName: string; contentType: string; data: Buffer }[], messageId?: string) =>
    h.giosg.agentReply({ channelId: TENANT.giosgUmiChannelId, threadId: A, text, attachments, messageId });
  const postReply = (body: object) =>
    fetch(`${h.url}/webhooks/giosg/${TENANT.id}/replies?secret=${TENANT.giosgWebhookSecret}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

  test('a picture with a caption goes as an uploaded image; same bytes, one message, link sealed at rest', async () => {
    const photo = sampleBytes('image', 300_000);
    expect((await reply('Here is the replacement part', [{ fileName: 'part.jpg', contentType: 'image/jpeg', data: photo }], 'agent-msg-1')).status).toBe(200);
    await waitFor(() => h.graph.media.sent.length === 1, 'media sent');
    await h.idle();
    const sent = h.graph.media.sent[0];
    expect(sent).toMatchObject({ kind: 'image', caption: 'Here is the replacement part' });
    expect(sent.file).toMatchObject({ mimeType: 'image/jpeg', size: photo.length, sha256: sha(photo), filename: 'part.jpg' });
    expect(h.graph.sent).toHaveLength(1);
    expect(h.graph.sent[0].to).toBe(A);
    const rows = await outboxRows(h);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ state: 'sent', wamid: h.graph.sent[0].id, body: 'Here is the replacement part' });
    expect(rows[0].media).not.toContain('http');
    expect(rows[0].media).not.toContain('part.jpg');
    expect(fs.readdirSync(spool)).toEqual([]);
    expect(h.logs.text()).not.toContain(h.token);
    expect(h.logs.text()).not.toContain('/_cdn/files/');
    // giosg's redelivery of the same reply is not sent again.
    const again = await reply('Here is the replacement part', [{ fileName: 'part.jpg', contentType: 'image/jpeg', data: photo }], 'agent-msg-1');
    expect(again.status).toBe(200);
    await h.idle();
    expect(h.graph.media.sent).toHaveLength(1);
  });

  test('a document with a text too long for a caption: the text first, then the document with its filename', async () => {
    const pdf = sampleBytes('document', 50_000);
    const long = 'Please read the terms below. '.repeat(50);
    await reply(long, [{ fileName: 'Ehdot 2026.pdf', contentType: 'application/pdf', data: pdf }]);
    await waitFor(() => h.graph.sent.length >= 2, 'text and document sent');
    await h.idle();
    expect(h.graph.media.sent).toHaveLength(1);
    expect(h.graph.media.sent[0]).toMatchObject({ kind: 'document', filename: 'Ehdot 2026.pdf', caption: undefined });
    expect(h.graph.sent.map((m) => m.body)).toEqual([long, '']);
  });

  test.each([
    ['audio/mpeg', 'reply.mp3', 'audio'],
    ['video/mp4', 'howto.mp4', 'video'],
    ['image/webp', 'thumbs.webp', 'sticker'],
    ['application/octet-stream', 'scan.png', 'image'],
  ])('%s (%s) goes as %s', async (contentType, fileName, kind) => {
    await reply('', [{ fileName, contentType, data: sampleBytes('image', 20_000) }]);
    await waitFor(() => h.graph.media.sent.length === 1, 'sent');
    expect(h.graph.media.sent[0].kind).toBe(kind);
    expect(h.graph.media.sent[0].caption).toBeUndefined();
  });

  test('an unsupported type and a file over the limit are not queued; the agent gets a localized notice', async () => {
    const res = await reply('see attached', [
      { fileName: 'logs.zip', contentType: 'application/zip', data: Buffer.alloc(1000, 1) },
      { fileName: 'huge.png', contentType: 'image/png', data: Buffer.alloc(5 * 1024 * 1024 + 10, 2) },
    ]);
    expect(res.status).toBe(200);
    await waitFor(() => h.giosg.chatMessages.length === 2, 'two notices');
    const notes = h.giosg.chatMessages.map((m) => m.message);
    expect(notes[0]).toContain('“logs.zip” (application/zip) was not sent');
    expect(notes[1]).toContain('“huge.png” (5.0 MB) was not sent');
    expect(notes[1]).toContain('5.0 MB');
    expect(h.giosg.chatMessages.every((m) => m.userId === TENANT.giosgBotUserId)).toBe(true);
    // The text still goes, as text.
    await waitFor(() => h.graph.sent.length === 1, 'text sent');
    await h.idle();
    expect(h.graph.sent[0].body).toBe('see attached');
    expect(h.graph.media.sent).toHaveLength(0);
  });

  test('notices follow the tenant’s language', async () => {
    await h.services.tenants.update(TENANT.id, { defaultLocale: 'fi' });
    await reply('', [{ fileName: 'logs.zip', contentType: 'application/zip', data: Buffer.alloc(10, 1) }]);
    await waitFor(() => h.giosg.chatMessages.length === 1, 'notice');
    expect(h.giosg.chatMessages[0].message).toContain('Liitettä ”logs.zip” (application/zip) ei lähetetty');
  });

  test('a file bigger than declared is cut off while downloading: that reply fails with a notice, the next one goes', async () => {
    await reply('first a text', []);
    const chatId = h.giosg.chats.find((c) => c.threadId === A)!.id;
    const up = h.giosg.putUpload('big.jpg', 'image/jpeg', Buffer.alloc(5 * 1024 * 1024 + 100, 3));
    const body = (id: string, attachments: object[], text = '') => ({ thread_id: A, chat_id: chatId, channel_id: TENANT.giosgUmiChannelId, message: { id, text, sender_type: 'user', attachments } });
    expect((await postReply(body('m-big', [{ url: up.downloadUrl, file_name: 'big.jpg', content_type: 'image/jpeg' }]))).status).toBe(200);
    expect((await postReply(body('m-next', [], 'and a text after it'))).status).toBe(200);
    await waitFor(() => h.graph.sent.length === 2, 'next reply sent');
    await waitFor(() => h.giosg.chatMessages.length === 1, 'agent told');
    expect(h.giosg.chatMessages[0]).toMatchObject({ chatId });
    expect(h.giosg.chatMessages[0].message).toContain('“big.jpg”');
    expect(h.giosg.chatMessages[0].message).toContain('at most 5.0 MB');
    await h.idle();
    const rows = await outboxRows(h);
    expect(rows.map((r) => r.state)).toEqual(['sent', 'failed', 'sent']);
    expect(h.graph.media.byId.size).toBe(0);
    expect(fs.readdirSync(spool)).toEqual([]);
  });

  test('a bad attachment body is refused with the path of the bad field', async () => {
    const res = await postReply({ thread_id: A, chat_id: 'c', message: { id: 'm-bad', text: '', sender_type: 'user', attachments: [{ url: 'not a url' }] } });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: { details: { path: string } } }).error.details.path).toBe('message.attachments.0.url');
    expect(await outboxRows(h)).toHaveLength(0);
  });

  test('expired token on the upload: paused, attachment kept; after the swap it goes out once, before the later reply', async () => {
    h.graph.expireToken(h.token);
    await reply('photo of the invoice', [{ fileName: 'invoice.png', contentType: 'image/png', data: sampleBytes('image', 10_000) }]);
    await waitFor(async () => (await h.channel.status(TENANT.id)).paused, 'paused');
    await reply('and thanks!', []);
    await h.idle();
    expect(h.graph.sent).toHaveLength(0);
    await promoteNewToken(h);
    await waitFor(() => h.graph.sent.length === 2, 'both sent');
    await h.idle();
    expect(h.graph.media.sent).toHaveLength(1);
    expect(h.graph.sent.map((m) => m.body)).toEqual(['photo of the invoice', 'and thanks!']);
    expect((await outboxRows(h)).map((r) => r.state)).toEqual(['sent', 'sent']);
  });
});
