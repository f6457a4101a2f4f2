// giosg's UMI intake on the lean transport (one request per customer message, no retries of
// its own: the relay queue retries): against the giosg simulator on loopback, each way it
// can fail becomes the GiosgError kind the relay acts on, and the API token never shows.
import { startGiosgSimulator, type GiosgSim } from '../../src/sandbox/giosg';
import { GiosgClient, GiosgError } from '../../src/giosg/client';
import { TENANT } from '../../testkit/harness';

describe('GiosgClient.umiSendMessage (lean transport)', () => {
  let sim: GiosgSim;
  const channelId = TENANT.giosgUmiChannelId!;
  const message = (n: number) => ({ thread_id: '358401111111', text: `hello ${n}`, sender_name: 'Maija', external_message_id: `wamid.umi-${n}` });

  beforeAll(async () => {
    sim = await startGiosgSimulator({ apiToken: TENANT.giosgApiToken, orgId: TENANT.giosgOrganizationId, botUserId: TENANT.giosgBotUserId });
    sim.addUmiChannel({ id: channelId, reply_webhook_url: 'http://127.0.0.1:9/unused' });
  });
  afterAll(async () => sim.close());
  afterEach(() => sim.setMode('ok'));

  const client = (apiToken = TENANT.giosgApiToken, timeoutMs = 2_000) => new GiosgClient({ baseUrl: `${sim.url}/`, apiToken, timeoutMs });
  const failure = async (p: Promise<unknown>): Promise<GiosgError> => {
    try {
      await p;
    } catch (err) {
      expect(err).toBeInstanceOf(GiosgError);
      expect(JSON.stringify({ ...(err as object), message: (err as Error).message, stack: (err as Error).stack })).not.toContain(TENANT.giosgApiToken);
      return err as GiosgError;
    }
    throw new Error('expected a failure');
  };

  it('delivers the message once, with the API token, and returns giosg ids', async () => {
    const before = sim.umiMessages.length;
    const r = await client().umiSendMessage(TENANT.giosgOrganizationId, channelId, message(1));
    expect(r.id).toEqual(expect.any(String));
    expect(sim.umiMessages.length).toBe(before + 1);
    expect(sim.umiMessages.at(-1)).toMatchObject({ thread_id: '358401111111', text: 'hello 1' });
  });

  it('a 429 is rate_limited with Retry-After in milliseconds, and is not retried here', async () => {
    sim.setMode('429', { retryAfterSec: 7 });
    const requestsBefore = sim.requests.length;
    const e = await failure(client().umiSendMessage(TENANT.giosgOrganizationId, channelId, message(2)));
    expect(e.kind).toBe('rate_limited');
    expect(e.status).toBe(429);
    expect(e.retryAfterMs).toBe(7_000);
    expect(sim.requests.length - requestsBefore).toBe(1);
  });

  it('5xx is server, a wrong token is auth, a dropped connection is network', async () => {
    sim.setMode('5xx');
    expect((await failure(client().umiSendMessage(TENANT.giosgOrganizationId, channelId, message(3)))).kind).toBe('server');
    sim.setMode('ok');
    expect((await failure(client('not-the-token').umiSendMessage(TENANT.giosgOrganizationId, channelId, message(4)))).kind).toBe('auth');
    sim.setMode('down');
    expect((await failure(client().umiSendMessage(TENANT.giosgOrganizationId, channelId, message(5)))).kind).toBe('network');
  });

  it('an unknown channel is a client error', async () => {
    expect((await failure(client().umiSendMessage(TENANT.giosgOrganizationId, 'no-such-channel', message(6)))).kind).toBe('client');
  });
});
