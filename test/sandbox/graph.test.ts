// The Graph simulator is the stand-in for Meta in every integration test, so its answers
// are checked here against Meta's documented shapes over real loopback HTTP.
import { createHash, createHmac } from 'node:crypto';
import axios, { type AxiosInstance } from 'axios';
import { startGraphSimulator, type GraphSim } from '../../src/sandbox/graph';
import { startReceiver, type Receiver } from './receiver';

const APP_ID = '1234567890';
const APP_SECRET = 'app-secret-for-tests';
const WABA = '555000111';
const PHONE = '106540352242922';
const TOKEN = 'EAAGtestTOKENvalue0123456789';
const fp = (t: string) => createHash('sha256').update(t).digest('hex').slice(0, 8);
const proof = (t: string) => createHmac('sha256', APP_SECRET).update(t).digest('hex');

let sim: GraphSim;
let http: AxiosInstance;

function seed(s: GraphSim): void {
  s.addPhone({ id: PHONE, wabaId: WABA, displayPhoneNumber: '+1 555-078-3881', verifiedName: 'Acme' });
  s.addToken({ token: TOKEN, appId: APP_ID, targetIds: [WABA] });
}

const send = (body: object, token = TOKEN, extra = '') =>
  http.post(`/v25.0/${PHONE}/messages${extra}`, body, { headers: { Authorization: `Bearer ${token}` } });
const text = (to: string, body: string) => ({
  messaging_product: 'whatsapp',
  recipient_type: 'individual',
  to,
  type: 'text',
  text: { body },
});

beforeAll(async () => {
  sim = await startGraphSimulator({ appId: APP_ID, appSecret: APP_SECRET, webhookRetryDelaysMs: [10, 20] });
  http = axios.create({ baseURL: sim.url, validateStatus: () => true, timeout: 2000 });
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.reset();
  seed(sim);
});

describe('listening', () => {
  it('binds to loopback only', () => {
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});

describe('GET /:version/debug_token', () => {
  const debug = (input: string, app = `${APP_ID}|${APP_SECRET}`) =>
    http.get('/v25.0/debug_token', { params: { input_token: input, access_token: app } });

  it('describes a valid system user token in Meta’s shape', async () => {
    const r = await debug(TOKEN);
    expect(r.status).toBe(200);
    expect(r.data.data).toMatchObject({
      app_id: APP_ID,
      type: 'SYSTEM_USER',
      is_valid: true,
      expires_at: 0,
      data_access_expires_at: 0,
      scopes: ['whatsapp_business_management', 'whatsapp_business_messaging'],
      granular_scopes: [
        { scope: 'whatsapp_business_management', target_ids: [WABA] },
        { scope: 'whatsapp_business_messaging', target_ids: [WABA] },
      ],
    });
    expect(typeof r.data.data.user_id).toBe('string');
    expect(typeof r.data.data.application).toBe('string');
  });

  it('accepts any version segment', async () => {
    const r = await http.get('/v26.0/debug_token', { params: { input_token: TOKEN, access_token: `${APP_ID}|${APP_SECRET}` } });
    expect(r.data.data.is_valid).toBe(true);
  });

  it('leaves target_ids out when the token has none, and reports another app’s token as such', async () => {
    sim.addToken({ token: 'other', appId: '999', scopes: ['whatsapp_business_messaging'], expiresAt: 4102444800 });
    const r = await debug('other');
    expect(r.data.data).toMatchObject({ app_id: '999', expires_at: 4102444800, is_valid: true });
    expect(r.data.data.granular_scopes).toEqual([{ scope: 'whatsapp_business_messaging' }]);
  });

  it('answers is_valid:false with error 190 for an unknown token', async () => {
    const r = await debug('never-seen');
    expect(r.status).toBe(200);
    expect(r.data).toEqual({
      data: { is_valid: false, error: { code: 190, message: 'Invalid OAuth access token.' }, scopes: [] },
    });
  });

  it('reports expired (463) and invalidated (467) tokens as not valid', async () => {
    sim.addToken({ token: 'gone', appId: APP_ID });
    sim.expireToken(TOKEN);
    sim.invalidateToken('gone');
    const expired = (await debug(TOKEN)).data.data;
    expect(expired.is_valid).toBe(false);
    expect(expired.error).toMatchObject({ code: 190, subcode: 463 });
    expect(expired.expires_at).toBeLessThan(Date.now() / 1000);
    expect((await debug('gone')).data.data.error).toMatchObject({ code: 190, subcode: 467 });
  });

  it('reflects removed scopes', async () => {
    sim.removeScope(TOKEN, 'whatsapp_business_messaging');
    expect((await debug(TOKEN)).data.data.scopes).toEqual(['whatsapp_business_management']);
  });

  it('refuses a wrong app token with error 190', async () => {
    const r = await debug(TOKEN, `${APP_ID}|wrong-secret`);
    expect(r.status).toBe(400);
    expect(r.data.error).toMatchObject({ code: 190, type: 'OAuthException' });
    expect(typeof r.data.error.fbtrace_id).toBe('string');
  });

  it('asks for input_token when it is missing', async () => {
    const r = await http.get('/v25.0/debug_token', { params: { access_token: `${APP_ID}|${APP_SECRET}` } });
    expect(r.status).toBe(400);
    expect(r.data.error.code).toBe(100);
  });
});

describe('GET /:version/:phoneNumberId', () => {
  const probe = (token = TOKEN, params: Record<string, string> = {}) =>
    http.get(`/v25.0/${PHONE}`, {
      params: { fields: 'display_phone_number,verified_name,status', ...params },
      headers: { Authorization: `Bearer ${token}` },
    });

  it('answers the requested fields plus id', async () => {
    const r = await probe();
    expect(r.status).toBe(200);
    expect(r.data).toEqual({
      display_phone_number: '+1 555-078-3881',
      verified_name: 'Acme',
      status: 'CONNECTED',
      id: PHONE,
    });
  });

  it('accepts the token as access_token query parameter', async () => {
    const r = await http.get(`/v25.0/${PHONE}`, { params: { access_token: TOKEN, fields: 'verified_name' } });
    expect(r.data).toEqual({ verified_name: 'Acme', id: PHONE });
  });

  it('rejects a nonexisting field with code 100', async () => {
    const r = await probe(TOKEN, { fields: 'verified_name,nope' });
    expect(r.status).toBe(400);
    expect(r.data.error.code).toBe(100);
    expect(r.data.error.message).toContain('(nope)');
  });

  it('answers an unknown number with 100/33', async () => {
    const r = await http.get('/v25.0/42', { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(r.status).toBe(400);
    expect(r.data.error).toMatchObject({ code: 100, error_subcode: 33, type: 'GraphMethodException' });
  });

  it('answers an expired token with 401 190/463 in Meta’s error shape', async () => {
    sim.expireToken(TOKEN);
    const r = await probe();
    expect(r.status).toBe(401);
    expect(Object.keys(r.data)).toEqual(['error']);
    expect(r.data.error).toMatchObject({ type: 'OAuthException', code: 190, error_subcode: 463 });
    expect(r.data.error.message).toMatch(/^Error validating access token: Session has expired on /);
    expect(r.data.error.fbtrace_id).toMatch(/^[\w-]+$/);
  });

  it('answers an invalidated token with 190/467', async () => {
    sim.invalidateToken(TOKEN);
    const r = await probe();
    expect(r.status).toBe(401);
    expect(r.data.error).toMatchObject({ code: 190, error_subcode: 467 });
  });

  it('answers an unknown token with 190 and no token with 104', async () => {
    expect((await probe('nobody-knows-me')).data.error.code).toBe(190);
    const r = await http.get(`/v25.0/${PHONE}`);
    expect(r.data.error.code).toBe(104);
  });

  it('answers 403 (#200) when the token has no access to that number', async () => {
    sim.addToken({ token: 'no-asset', appId: APP_ID, phoneAccess: ['someone-else'] });
    const r = await probe('no-asset');
    expect(r.status).toBe(403);
    expect(r.data.error).toMatchObject({ code: 200, message: '(#200) Permissions error' });
  });
});

describe('appsecret_proof', () => {
  let strict: GraphSim;
  let client: AxiosInstance;
  beforeAll(async () => {
    strict = await startGraphSimulator({ appId: APP_ID, appSecret: APP_SECRET, requireAppSecretProof: true });
    client = axios.create({ baseURL: strict.url, validateStatus: () => true });
  });
  afterAll(() => strict.close());
  beforeEach(() => {
    strict.reset();
    seed(strict);
  });
  const probe = (params: Record<string, string>) =>
    client.get(`/v25.0/${PHONE}`, { params: { fields: 'verified_name', ...params }, headers: { Authorization: `Bearer ${TOKEN}` } });

  it('accepts hex HMAC-SHA256(token, app secret)', async () => {
    const r = await probe({ appsecret_proof: proof(TOKEN) });
    expect(r.status).toBe(200);
    expect(r.data.verified_name).toBe('Acme');
  });

  it('demands a proof when the app requires one', async () => {
    const r = await probe({});
    expect(r.status).toBe(400);
    expect(r.data.error).toMatchObject({ code: 100, type: 'GraphMethodException' });
    expect(r.data.error.message).toContain('appsecret_proof');
  });

  it('rejects a wrong proof, including one made with another secret', async () => {
    for (const bad of ['deadbeef', createHmac('sha256', 'other').update(TOKEN).digest('hex')]) {
      const r = await probe({ appsecret_proof: bad });
      expect(r.status).toBe(400);
      expect(r.data.error).toMatchObject({ code: 100, message: 'Invalid appsecret_proof provided in the API argument' });
    }
  });

  it('checks the proof on sends too', async () => {
    const ok = await client.post(`/v25.0/${PHONE}/messages?appsecret_proof=${proof(TOKEN)}`, text('358401234567', 'hi'), {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(ok.status).toBe(200);
    const bad = await client.post(`/v25.0/${PHONE}/messages`, text('358401234567', 'hi'), {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(bad.data.error.code).toBe(100);
    expect(strict.sent).toHaveLength(1);
  });

  it('still checks a proof that is sent when not required', async () => {
    const r = await probeLenient({ appsecret_proof: 'nonsense' });
    expect(r.data.error.message).toBe('Invalid appsecret_proof provided in the API argument');
  });
  const probeLenient = (params: Record<string, string>) =>
    http.get(`/v25.0/${PHONE}`, { params, headers: { Authorization: `Bearer ${TOKEN}` } });
});

describe('POST /:version/:phoneNumberId/messages', () => {
  it('accepts a text message and records it without the raw token', async () => {
    const r = await send(text('358401234567', 'Hello there'));
    expect(r.status).toBe(200);
    expect(r.data).toEqual({
      messaging_product: 'whatsapp',
      contacts: [{ input: '358401234567', wa_id: '358401234567' }],
      messages: [{ id: expect.stringMatching(/^wamid\.[\w-]{20,}$/) }],
    });
    expect(sim.sent).toEqual([
      {
        id: r.data.messages[0].id,
        phoneNumberId: PHONE,
        to: '358401234567',
        body: 'Hello there',
        tokenFingerprint: fp(TOKEN),
        at: expect.any(Number),
      },
    ]);
    expect(JSON.stringify(sim.sent)).not.toContain(TOKEN);
  });

  it('sends to a business-scoped user id given as `recipient` (a username customer) and answers with its user_id; neither `to` nor `recipient` is refused', async () => {
    const r = await send({ messaging_product: 'whatsapp', recipient_type: 'individual', recipient: 'FI.6856184290916264', type: 'text', text: { body: 'Hi' } });
    expect(r.status).toBe(200);
    expect(r.data.contacts).toEqual([{ input: 'FI.6856184290916264', user_id: 'FI.6856184290916264' }]);
    expect(sim.sent[0]).toMatchObject({ to: 'FI.6856184290916264', recipient: 'FI.6856184290916264', body: 'Hi' });
    // With both, `to` wins, as Meta documents.
    const both = await send({ messaging_product: 'whatsapp', to: '358401234567', recipient: 'FI.6856184290916264', type: 'text', text: { body: 'Both' } });
    expect(both.data.contacts).toEqual([{ input: '358401234567', wa_id: '358401234567' }]);
    expect(sim.sent[1].recipient).toBeUndefined();
    const none = await send({ messaging_product: 'whatsapp', type: 'text', text: { body: 'x' } });
    expect(none.status).toBe(400);
    expect(none.data.error).toMatchObject({ code: 100 });
  });

  it('gives every message its own wamid', async () => {
    const a = await send(text('358401234567', 'one'));
    const b = await send(text('358401234567', 'two'));
    expect(a.data.messages[0].id).not.toBe(b.data.messages[0].id);
  });

  it('accepts exactly 4096 characters and refuses 4097 with code 100', async () => {
    expect((await send(text('358401234567', 'x'.repeat(4096)))).status).toBe(200);
    const r = await send(text('358401234567', 'x'.repeat(4097)));
    expect(r.status).toBe(400);
    expect(r.data.error).toMatchObject({
      code: 100,
      error_data: { messaging_product: 'whatsapp', details: "Param text['body'] must be at most 4096 characters long." },
    });
    expect(sim.sent).toHaveLength(1);
  });

  it('names a missing required parameter', async () => {
    const r = await send({ to: '358401234567', type: 'text', text: { body: 'x' } });
    expect(r.status).toBe(400);
    expect(r.data.error).toMatchObject({ code: 100, message: '(#100) The parameter messaging_product is required.' });
  });

  it('answers 190/463 for an expired token and 190/467 for an invalidated one', async () => {
    sim.addToken({ token: 'second', appId: APP_ID });
    sim.expireToken(TOKEN);
    sim.invalidateToken('second');
    const expired = await send(text('358401234567', 'x'));
    expect(expired.status).toBe(401);
    expect(expired.data.error).toMatchObject({ code: 190, error_subcode: 463, type: 'OAuthException' });
    const invalid = await send(text('358401234567', 'x'), 'second');
    expect(invalid.data.error).toMatchObject({ code: 190, error_subcode: 467 });
    expect(sim.sent).toHaveLength(0);
  });

  it('treats a token that expires_at a past time as expired', async () => {
    sim.addToken({ token: 'old', appId: APP_ID, expiresAt: Math.floor(Date.now() / 1000) - 60 });
    expect((await send(text('358401234567', 'x'), 'old')).data.error.error_subcode).toBe(463);
  });

  it('answers (#10) when whatsapp_business_messaging was removed', async () => {
    sim.removeScope(TOKEN, 'whatsapp_business_messaging');
    const r = await send(text('358401234567', 'x'));
    expect(r.status).toBe(403);
    expect(r.data.error).toMatchObject({ code: 10, type: 'OAuthException' });
  });

  it('answers (#200) when the token may not use the number', async () => {
    sim.addToken({ token: 'limited', appId: APP_ID, phoneAccess: ['1'] });
    const r = await send(text('358401234567', 'x'), 'limited');
    expect(r.status).toBe(403);
    expect(r.data.error.code).toBe(200);
  });

  it('throttles above the per-second budget with 130429 and keeps going after a second', async () => {
    sim.setThrottle(2);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push(await send(text('358401234567', `m${i}`)));
    expect(statuses.slice(0, 2).map((r) => r.status)).toEqual([200, 200]);
    expect(statuses[2].status).toBe(400);
    expect(statuses[2].data.error).toMatchObject({
      code: 130429,
      error_data: { messaging_product: 'whatsapp', details: expect.any(String) },
    });
    expect(sim.sent.map((m) => m.body)).toEqual(['m0', 'm1']);
    await new Promise((r) => setTimeout(r, 1050));
    expect((await send(text('358401234567', 'later'))).status).toBe(200);
    sim.setThrottle(null);
  });

  it('fails exactly the next n sends with the injected Meta error', async () => {
    sim.failNext(2, { httpStatus: 400, code: 131026, message: 'Message undeliverable' });
    const a = await send(text('358401234567', 'a'));
    const b = await send(text('358401234567', 'b'));
    const c = await send(text('358401234567', 'c'));
    expect(a.status).toBe(400);
    expect(a.data.error).toMatchObject({
      code: 131026,
      message: 'Message undeliverable',
      error_data: { messaging_product: 'whatsapp', details: 'Message undeliverable' },
    });
    expect(b.data.error.code).toBe(131026);
    expect(c.status).toBe(200);
    expect(sim.sent.map((m) => m.body)).toEqual(['c']);
  });

  it('passes subcode and type of an injected error through', async () => {
    sim.failNext(1, { httpStatus: 401, code: 190, subcode: 460, type: 'OAuthException' });
    const r = await send(text('358401234567', 'a'));
    expect(r.status).toBe(401);
    expect(r.data.error).toMatchObject({ code: 190, error_subcode: 460, type: 'OAuthException' });
  });

  it('answers malformed JSON with code 100', async () => {
    const r = await http.post(`/v25.0/${PHONE}/messages`, '{"nope', {
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    });
    expect(r.status).toBe(400);
    expect(r.data.error.code).toBe(100);
  });
});

describe('failure modes', () => {
  afterEach(() => sim.setMode('ok'));

  it('down: resets the connection', async () => {
    sim.setMode('down');
    await expect(send(text('358401234567', 'x'))).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(sim.sent).toHaveLength(0);
  });

  it('5xx: answers 503 with a transient Meta error', async () => {
    sim.setMode('5xx');
    const r = await send(text('358401234567', 'x'));
    expect(r.status).toBe(503);
    expect(r.data.error).toMatchObject({ code: 2, is_transient: true });
  });

  it('slow: answers after the latency', async () => {
    sim.setMode('slow', { latencyMs: 150 });
    const t0 = Date.now();
    const r = await send(text('358401234567', 'x'));
    expect(r.status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('timeout: never answers, and ok mode serves again afterwards', async () => {
    sim.setMode('timeout');
    const parked = http.post(`/v25.0/${PHONE}/messages`, text('358401234567', 'x'), {
      headers: { Authorization: `Bearer ${TOKEN}` },
      timeout: 300,
    });
    await expect(parked).rejects.toMatchObject({ code: 'ECONNABORTED' });
    expect(sim.sent).toHaveLength(0);
    sim.setMode('ok');
    expect((await send(text('358401234567', 'x'))).status).toBe(200);
  });

  it('close() returns even with a request parked by timeout mode', async () => {
    const s = await startGraphSimulator({ appId: APP_ID, appSecret: APP_SECRET });
    s.setMode('timeout');
    const pending = axios.get(`${s.url}/v25.0/debug_token`).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    await s.close();
    expect(await pending).toBeInstanceOf(Error);
  });
});

describe('webhooks', () => {
  let rx: Receiver;
  beforeEach(async () => {
    rx = await startReceiver();
    sim.setWebhookTarget(`${rx.url}/webhooks/meta/default`);
  });
  afterEach(() => rx.close());

  it('signs the raw body with the app secret (X-Hub-Signature-256)', async () => {
    const payload = sim.customerMessage({ phoneNumberId: PHONE, from: '358401234567', name: 'Maija', text: 'Hei' });
    const result = await sim.deliverWebhook(payload);
    expect(result).toEqual({ status: 200, attempts: 1 });
    const [got] = rx.received;
    expect(got.url).toBe('/webhooks/meta/default');
    expect(got.headers['content-type']).toBe('application/json');
    const expected = 'sha256=' + createHmac('sha256', APP_SECRET).update(got.raw).digest('hex');
    expect(got.headers['x-hub-signature-256']).toBe(expected);
    expect(got.json).toEqual(payload);
  });

  it('retries a non-200 answer with the same signed bytes', async () => {
    rx.script(500);
    const result = await sim.deliverWebhook(sim.accountUpdate({ wabaId: WABA, event: 'ACCOUNT_RECONNECTED' }));
    expect(result).toEqual({ status: 200, attempts: 2 });
    expect(rx.received).toHaveLength(2);
    expect(rx.received[1].raw).toBe(rx.received[0].raw);
    expect(rx.received[1].headers['x-hub-signature-256']).toBe(rx.received[0].headers['x-hub-signature-256']);
  });

  it('treats any status other than 200 as a failure and gives up after the schedule', async () => {
    rx.script(204, 401, 503, 200);
    const result = await sim.deliverWebhook({ object: 'whatsapp_business_account', entry: [] });
    expect(result).toEqual({ status: 503, attempts: 3 });
  });

  it('counts a refused connection as a failed attempt', async () => {
    await rx.close();
    const result = await sim.deliverWebhook({ object: 'whatsapp_business_account', entry: [] });
    expect(result).toEqual({ status: 0, attempts: 3 });
  });

  it('refuses to deliver with no target', async () => {
    sim.reset();
    await expect(sim.deliverWebhook({})).rejects.toThrow('no webhook target');
  });

  it('sends sent then delivered statuses after a send when autoStatuses is on', async () => {
    const auto = await startGraphSimulator({ appId: APP_ID, appSecret: APP_SECRET, autoStatuses: true });
    try {
      seed(auto);
      auto.setWebhookTarget(rx.url);
      const r = await axios.post(`${auto.url}/v25.0/${PHONE}/messages`, text('358401234567', 'hi'), {
        headers: { Authorization: `Bearer ${TOKEN}` },
      });
      const wamid = r.data.messages[0].id;
      await rx.waitFor(2);
      const statuses = rx.received.map((x) => x.json.entry[0].changes[0].value.statuses[0]);
      expect(statuses.map((s: { status: string }) => s.status)).toEqual(['sent', 'delivered']);
      expect(statuses.every((s: { id: string; recipient_id: string }) => s.id === wamid && s.recipient_id === '358401234567')).toBe(true);
      for (const x of rx.received) {
        expect(x.headers['x-hub-signature-256']).toBe('sha256=' + createHmac('sha256', APP_SECRET).update(x.raw).digest('hex'));
      }
    } finally {
      await auto.close();
    }
  });
});

describe('webhook payload builders', () => {
  it('builds a customer text message envelope', () => {
    const p = sim.customerMessage({ phoneNumberId: PHONE, from: '+358401234567', name: 'Maija', text: 'Hei', id: 'wamid.X' });
    expect(p).toEqual({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: WABA,
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '15550783881', phone_number_id: PHONE },
                contacts: [{ profile: { name: 'Maija' }, wa_id: '358401234567' }],
                messages: [
                  { from: '358401234567', id: 'wamid.X', timestamp: expect.stringMatching(/^\d{10}$/), type: 'text', text: { body: 'Hei' } },
                ],
              },
            },
          ],
        },
      ],
    });
  });

  it('builds media and location messages', () => {
    const msg = (o: object) =>
      (sim.customerMessage({ phoneNumberId: PHONE, from: '358401234567', ...o }) as any).entry[0].changes[0].value.messages[0];
    const image = msg({ type: 'image', caption: 'look' });
    expect(image.type).toBe('image');
    expect(image.image).toMatchObject({ mime_type: 'image/jpeg', caption: 'look', id: expect.any(String) });
    expect(msg({ type: 'audio' }).audio.mime_type).toMatch(/^audio\//);
    expect(msg({ type: 'document' }).document.filename).toBeDefined();
    expect(msg({ type: 'location' }).location).toMatchObject({ latitude: expect.any(Number), longitude: expect.any(Number) });
    expect(msg({ type: 'sticker' }).sticker.mime_type).toBe('image/webp');
    expect(msg({ type: 'video' }).video.mime_type).toBe('video/mp4');
  });

  it('builds a failed status with errors', () => {
    const p = sim.statusUpdate({
      phoneNumberId: PHONE,
      wamid: 'wamid.Y',
      recipient: '358401234567',
      status: 'failed',
      errors: [{ code: 131026, title: 'Message undeliverable' }],
    }) as any;
    const value = p.entry[0].changes[0].value;
    expect(p.entry[0].id).toBe(WABA);
    expect(value.metadata.phone_number_id).toBe(PHONE);
    expect(value.statuses[0]).toMatchObject({
      id: 'wamid.Y',
      status: 'failed',
      recipient_id: '358401234567',
      errors: [{ code: 131026, title: 'Message undeliverable', message: 'Message undeliverable', error_data: { details: 'Message undeliverable' } }],
    });
  });

  it('builds an account_update event', () => {
    const p = sim.accountUpdate({ wabaId: WABA, event: 'PARTNER_APP_UNINSTALLED' }) as any;
    expect(p.object).toBe('whatsapp_business_account');
    expect(p.entry[0]).toMatchObject({ id: WABA, changes: [{ field: 'account_update', value: { event: 'PARTNER_APP_UNINSTALLED' } }] });
  });
});

describe('control API (/_sim)', () => {
  it('lists tokens by fingerprint only', async () => {
    const r = await http.get('/_sim/state');
    expect(r.status).toBe(200);
    expect(r.data.tokens).toEqual([expect.objectContaining({ fingerprint: fp(TOKEN), status: 'ok' })]);
    expect(JSON.stringify(r.data)).not.toContain(TOKEN);
    expect(r.data.phones).toEqual([expect.objectContaining({ id: PHONE })]);
    expect(r.data).toMatchObject({ mode: 'ok', sentCount: 0 });
  });

  it('adds, expires and invalidates tokens', async () => {
    const add = await http.post('/_sim/tokens', { token: 'from-playground' });
    expect(add.status).toBe(201);
    expect(add.data).toEqual({ fingerprint: fp('from-playground') });
    expect((await send(text('358401234567', 'x'), 'from-playground')).status).toBe(200);

    const exp = await http.post('/_sim/tokens/expire', { fingerprint: fp('from-playground') });
    expect(exp.data).toEqual({ expired: [fp('from-playground')] });
    expect((await send(text('358401234567', 'x'), 'from-playground')).data.error.error_subcode).toBe(463);
    expect((await send(text('358401234567', 'x'))).status).toBe(200);

    await http.post('/_sim/tokens/expire', { all: true });
    expect((await send(text('358401234567', 'x'))).data.error.error_subcode).toBe(463);

    sim.addToken({ token: 'inv', appId: APP_ID });
    await http.post('/_sim/tokens/invalidate', { fingerprint: fp('inv') });
    expect((await send(text('358401234567', 'x'), 'inv')).data.error.error_subcode).toBe(467);
  });

  it('validates control bodies', async () => {
    expect((await http.post('/_sim/tokens', { token: '' })).status).toBe(400);
    expect((await http.post('/_sim/mode', { mode: 'sideways' })).status).toBe(400);
  });

  it('switches mode while the Graph API itself is down', async () => {
    sim.setMode('down');
    const r = await http.post('/_sim/mode', { mode: 'ok' });
    expect(r.data).toEqual({ mode: 'ok', latencyMs: 0 });
    expect((await send(text('358401234567', 'x'))).status).toBe(200);
  });

  it('delivers a customer message webhook', async () => {
    const rx = await startReceiver();
    try {
      expect((await http.post('/_sim/customer-message', { phoneNumberId: PHONE, from: '358401234567', text: 'hi' })).status).toBe(409);
      sim.setWebhookTarget(rx.url);
      const r = await http.post('/_sim/customer-message', { phoneNumberId: PHONE, from: '358401234567', name: 'Matti', text: 'hi' });
      expect(r.data).toEqual({ messageId: expect.stringMatching(/^wamid\./), status: 200, attempts: 1 });
      const value = rx.received[0].json.entry[0].changes[0].value;
      expect(value.messages[0]).toMatchObject({ id: r.data.messageId, text: { body: 'hi' } });
      expect(value.contacts[0].profile.name).toBe('Matti');
    } finally {
      await rx.close();
    }
  });

  it('pages sent messages with a gap-free cursor', async () => {
    await send(text('358401234567', 'a'));
    await send(text('358401234567', 'b'));
    const first = await http.get('/_sim/sent');
    expect(first.data.items.map((m: { body: string }) => m.body)).toEqual(['a', 'b']);
    expect(first.data.next).toBe(2);
    await send(text('358401234567', 'c'));
    const second = await http.get('/_sim/sent', { params: { since: first.data.next } });
    expect(second.data).toEqual({ items: [expect.objectContaining({ body: 'c' })], next: 3 });
    expect(JSON.stringify(second.data)).not.toContain(TOKEN);
  });
});

describe('bookkeeping', () => {
  it('logs API requests without query strings or control calls', async () => {
    await http.get(`/v25.0/${PHONE}`, { params: { access_token: TOKEN } });
    await http.get('/_sim/state');
    expect(sim.requests).toEqual([{ method: 'GET', path: `/v25.0/${PHONE}`, at: expect.any(Number) }]);
  });

  it('answers unknown paths and versions with code 2500', async () => {
    const r = await http.get(`/latest/${PHONE}`, { params: { access_token: TOKEN } });
    expect(r.status).toBe(400);
    expect(r.data.error.code).toBe(2500);
    expect((await http.get('/v25.0/a/b/c')).data.error.code).toBe(2500);
  });

  it('reset clears state in place', async () => {
    const sentRef = sim.sent;
    await send(text('358401234567', 'x'));
    sim.failNext(5, { httpStatus: 500, code: 1 });
    sim.reset();
    expect(sentRef).toHaveLength(0);
    expect(sim.sent).toBe(sentRef);
    seed(sim);
    expect((await send(text('358401234567', 'x'))).status).toBe(200);
  });

  it('refuses to manipulate an unknown token, naming only its fingerprint', () => {
    expect(() => sim.expireToken('secret-value')).toThrow(fp('secret-value'));
    expect(() => sim.expireToken('secret-value')).not.toThrow('secret-value');
  });
});
