// The playground's media API over real HTTP in the real sandbox: the customer's sample
// picture and document reach giosg as files, the agent's file reaches the phone, and bad
// input is refused with the path of the bad field before it reaches a simulator.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSandbox, type Sandbox } from '../../src/sandbox/boot';
import { createLogger } from '../../src/log';
import { samplePdf, samplePng } from '../../src/sandbox/sample-files';
import { LogCapture, tempDatabase, testConfig, waitFor, type TempDb } from '../../testkit/harness';

describe('playground media API', () => {
  let sb: Sandbox;
  let db: TempDb;
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-media-'));
    db = await tempDatabase('sqlite');
    sb = await startSandbox(testConfig({ sandbox: true, encryptionKeys: [], databaseUrl: db.url, port: 0, tenantId: 'demo', logLevel: 'debug', mediaSpoolDir: path.join(dir, 'spool') }), {
      dataDir: dir,
      logger: createLogger('debug', new LogCapture()),
    });
  });
  afterAll(async () => {
    await sb?.stop();
    await db?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const post = async (p: string, body: unknown) => {
    const res = await fetch(`${sb.url}/playground/api${p}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    return { status: res.status, body: (await res.json()) as any };
  };
  const get = async (p: string) => {
    const res = await fetch(`${sb.url}/playground/api${p}`);
    return { status: res.status, body: (await res.json()) as any };
  };

  test('sample files are valid: a PNG and a PDF', () => {
    const png = samplePng(10, 8);
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(10);
    expect(png.readUInt32BE(20)).toBe(8);
    const pdf = samplePdf('Hello (world)').toString('latin1');
    expect(pdf.startsWith('%PDF-1.4')).toBe(true);
    const xref = Number(/startxref\n(\d+)/.exec(pdf)![1]);
    expect(pdf.slice(xref, xref + 4)).toBe('xref');
    expect(pdf).toContain('(Hello \\(world\\)) Tj');
  });

  test('the customer’s picture and document reach giosg as files the agent pane can show', async () => {
    const pic = await post('/media/customer', { from: '+358 40 111 2222', kind: 'image', caption: 'look' });
    expect(pic.status).toBe(200);
    expect(pic.body.delivered).toBe(true);
    const doc = await post('/media/customer', { from: '358401112222', kind: 'document' });
    expect(doc.body.delivered).toBe(true);
    await waitFor(() => sb.giosg.umiMessages.filter((m) => m.thread_id === '358401112222').length === 2, 'both relayed');
    const page = await get('/giosg/umi-messages?since=0');
    const mine = page.body.items.filter((m: any) => m.threadId === '358401112222');
    expect(mine[0]).toMatchObject({ text: 'look', attachments: [{ contentType: 'image/png', size: samplePng().length }] });
    expect(mine[1].attachments[0]).toMatchObject({ fileName: 'order-confirmation.pdf', contentType: 'application/pdf' });
    const shown = await get(`/media/giosg/${mine[0].attachments[0].uploadId}`);
    expect(shown.status).toBe(200);
    expect(Buffer.from(shown.body.dataUrl.split(',')[1], 'base64').equals(samplePng())).toBe(true);
  });

  test('the agent’s file goes to the phone, which can show it', async () => {
    const data = samplePng(30, 20);
    const r = await post('/media/agent', { threadId: '358403334444', text: 'here', fileName: 'p.png', contentType: 'image/png', dataBase64: data.toString('base64') });
    expect(r.body.delivered).toBe(true);
    const sent = await waitFor(async () => (await get('/customer/received?since=0&to=358403334444')).body.items.find((m: any) => m.media), 'media on the phone');
    expect(sent).toMatchObject({ text: 'here', media: { kind: 'image', filename: 'p.png' } });
    const shown = await get(`/media/phone/${sent.media.mediaId}`);
    expect(Buffer.from(shown.body.dataUrl.split(',')[1], 'base64').equals(data)).toBe(true);
  });

  test.each([
    ['/media/customer', { from: '12', kind: 'image' }, 'from'],
    ['/media/customer', { from: '358401112222', kind: 'video' }, 'kind'],
    ['/media/agent', { threadId: '358401112222', fileName: '', contentType: 'image/png', dataBase64: 'AA==' }, 'fileName'],
    ['/media/agent', { threadId: '358401112222', fileName: 'x.png', contentType: 'image/png', dataBase64: 'A'.repeat(12 * 1024 * 1024) }, 'body'],
  ])('POST %s with bad input → 422/413 naming the field', async (p, body, field) => {
    const r = await post(p, body);
    if (field === 'body') expect(r.status).toBe(413);
    else {
      expect(r.status).toBe(422);
      expect(r.body.error.details.path).toBe(field);
    }
  });

  test('unknown files → 404, malformed ids → 422', async () => {
    expect((await get('/media/phone/123456')).status).toBe(404);
    expect((await get('/media/giosg/00000000-0000-0000-0000-000000000000')).status).toBe(404);
    expect((await get('/media/giosg/..%2F..%2Fetc')).status).toBe(422);
  });
});
