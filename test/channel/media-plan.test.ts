// The pure parts of media: which WhatsApp type an agent's file goes as, what is refused
// and why, how a reply's text and files become outbox rows, the sealed reference, the
// stored media reference of a customer's message, and MEDIA_SPOOL_DIR.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { planAttachment, sealRef, openRef } from '../../src/channel/media/outbound-media-ref';
import { replyRows } from '../../src/channel/media/reply-attachments';
import { mediaRefOf, parseMediaRef } from '../../src/channel/media/media-ref';
import { MediaSpool, humanSize } from '../../src/channel/media/spool';
import { TransferSlots } from '../../src/channel/media/transfer-slots';
import { inboundMessage } from '../../src/meta/webhook-schemas';
import { SecretBox } from '../../src/vault/crypto';
import { loadConfig } from '../../src/config';
import { TEST_KEY } from '../../testkit/harness';

const box = new SecretBox([TEST_KEY]);
const url = 'https://cdn.example.com/files/abc?sig=s3cr3t-signature';

describe('media plans', () => {
  test.each([
    [{ content_type: 'image/jpeg', file_name: 'a.jpg' }, 'image'],
    [{ content_type: 'image/png; charset=binary', file_name: 'a.png' }, 'image'],
    [{ content_type: 'IMAGE/WEBP', file_name: 's.webp' }, 'sticker'],
    [{ content_type: 'audio/ogg; codecs=opus', file_name: 'v.ogg' }, 'audio'],
    [{ content_type: 'video/3gpp', file_name: 'v.3gp' }, 'video'],
    [{ content_type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', file_name: 'x.xlsx' }, 'document'],
    [{ content_type: 'application/octet-stream', file_name: 'Report.PDF' }, 'document'],
    [{ file_name: 'notes.txt' }, 'document'],
  ])('%j goes as %s', (a, kind) => {
    const p = planAttachment({ url, ...a });
    expect(p.ok && p.ref.kind).toBe(kind);
  });

  test('unsupported types and declared sizes over the limit are refused with what to tell the agent', () => {
    expect(planAttachment({ url, file_name: 'a.gif', content_type: 'image/gif' })).toEqual({ ok: false, notice: { key: 'media:out.unsupported', vars: { filename: 'a.gif', type: 'image/gif' } } });
    expect(planAttachment({ url, file_name: 'x.bin' })).toMatchObject({ ok: false, notice: { key: 'media:out.unsupported' } });
    expect(planAttachment({ url, file_name: 'v.mp4', content_type: 'video/mp4', file_size: 17 * 1024 * 1024 })).toEqual({
      ok: false,
      notice: { key: 'media:out.tooLarge', vars: { filename: 'v.mp4', size: '17.0 MB', limit: '16.0 MB' } },
    });
    expect(planAttachment({ url, file_name: 'v.mp4', content_type: 'video/mp4', file_size: 16 * 1024 * 1024 }).ok).toBe(true);
    // No name given: the URL's last segment.
    const p = planAttachment({ url: 'https://cdn.example.com/f/photo%201.jpg?sig=x', content_type: 'image/jpeg' });
    expect(p.ok && p.ref.filename).toBe('photo 1.jpg');
    const odd = planAttachment({ url: 'https://cdn.example.com/f/bad%E0%A4%A.jpg', content_type: 'image/jpeg' });
    expect(odd.ok && odd.ref.filename).toBe('bad%E0%A4%A.jpg');
    const bare = planAttachment({ url: 'https://cdn.example.com/', content_type: 'image/jpeg' });
    expect(bare.ok && bare.ref.filename).toBe('file');
  });

  const rows = (text: string, attachments: Parameters<typeof replyRows>[0]['attachments']) =>
    replyRows({ box, tenantId: 't1', sourceId: 'gm-1', recipient: '358401234567', chatId: 'c1', text, attachments });

  test('short text becomes the first picture’s caption; ids follow giosg’s message id', () => {
    const p = rows('look', [
      { url, file_name: 'a.jpg', content_type: 'image/jpeg' },
      { url, file_name: 'b.pdf', content_type: 'application/pdf' },
    ]);
    expect(p.rows.map((r) => [r.sourceId, r.body])).toEqual([
      ['gm-1', 'look'],
      ['gm-1#2', ''],
    ]);
    expect(p.rows.every((r) => r.media && !r.media.includes('cdn.example.com'))).toBe(true);
    expect(openRef(box, 't1', 'gm-1#2', p.rows[1].media!)).toMatchObject({ kind: 'document', filename: 'b.pdf', url });
  });

  test('text goes on its own before audio (no caption) and when longer than 1024 characters', () => {
    expect(rows('listen', [{ url, file_name: 'v.mp3', content_type: 'audio/mpeg' }]).rows.map((r) => [r.body, !!r.media])).toEqual([
      ['listen', false],
      ['', true],
    ]);
    const long = 'x'.repeat(1025);
    expect(rows(long, [{ url, file_name: 'a.jpg', content_type: 'image/jpeg' }]).rows.map((r) => [r.body.length, !!r.media])).toEqual([
      [1025, false],
      [0, true],
    ]);
  });

  test('all attachments refused and no text: no rows, only notices', () => {
    const p = rows('  ', [{ url, file_name: 'a.zip', content_type: 'application/zip' }]);
    expect(p.rows).toEqual([]);
    expect(p.notices).toHaveLength(1);
  });

  test('a sealed reference opens only for its own tenant and row', () => {
    const sealed = sealRef(box, 't1', 'gm-1', { kind: 'image', url, filename: 'a.jpg', mimeType: 'image/jpeg' });
    expect(sealed).not.toContain('s3cr3t');
    expect(() => openRef(box, 't2', 'gm-1', sealed)).toThrow();
    expect(() => openRef(box, 't1', 'gm-2', sealed)).toThrow();
  });

  test('a customer’s media is stored as its id and description; a message without an id has none', () => {
    const m = inboundMessage.parse({ from: '1', id: 'w', timestamp: '1', type: 'document', document: { id: '55', mime_type: 'application/pdf', filename: 'f.pdf', caption: 'c', sha256: 'h' } });
    expect(parseMediaRef(mediaRefOf(m)!)).toEqual({ kind: 'document', id: '55', mimeType: 'application/pdf', filename: 'f.pdf', caption: 'c', sha256: 'h' });
    expect(mediaRefOf(inboundMessage.parse({ from: '1', id: 'w', timestamp: '1', type: 'image', image: { mime_type: 'image/jpeg' } }))).toBeNull();
    expect(mediaRefOf(inboundMessage.parse({ from: '1', id: 'w', timestamp: '1', type: 'text', text: { body: 'hi' } }))).toBeNull();
    expect(parseMediaRef('{"kind":"image"}')).toBeNull();
    expect(parseMediaRef('not json')).toBeNull();
  });

  test('humanSize', () => {
    expect([humanSize(500), humanSize(2048), humanSize(5 * 1024 * 1024)]).toEqual(['500 B', '2 KB', '5.0 MB']);
  });

  test('MEDIA_SPOOL_DIR is read by config; the spool sweeps only stale files', async () => {
    expect(loadConfig({ MEDIA_SPOOL_DIR: '/var/spool/wa' }).mediaSpoolDir).toBe('/var/spool/wa');
    expect(loadConfig({}).mediaSpoolDir).toBeUndefined();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-sweep-'));
    try {
      const spool = new MediaSpool(dir);
      const fresh = await spool.file();
      const old = await spool.file();
      fs.writeFileSync(fresh.path, 'x');
      fs.writeFileSync(old.path, 'y');
      const hourAgo = (Date.now() - 2 * 3_600_000) / 1000;
      fs.utimesSync(old.path, hourAgo, hourAgo);
      fs.writeFileSync(path.join(dir, 'not-ours'), 'z');
      await spool.sweep();
      expect(fs.readdirSync(dir).sort()).toEqual([path.basename(fresh.path), 'not-ours'].sort());
      expect((fs.statSync(dir).mode & 0o777).toString(8)).toBe('700');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('transfer slots run at most their size at once, the rest in arrival order', async () => {
    const slots = new TransferSlots(2);
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const gates: Array<() => void> = [];
    const jobs = [0, 1, 2, 3, 4].map((i) =>
      slots.run(async () => {
        running++;
        most = Math.max(most, running);
        order.push(i);
        await new Promise<void>((r) => gates.push(r));
        running--;
      }),
    );
    while (order.length < 5) {
      await new Promise((r) => setImmediate(r));
      gates.shift()?.();
    }
    gates.forEach((g) => g());
    await Promise.all(jobs);
    expect(most).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });
});
