// A reply longer than one WhatsApp message goes out as several, and the agent is told once
// in the chat (each part is charged on its own). Redeliveries of the same giosg message
// queue nothing and say nothing again; a short reply says nothing.
import { engines, TENANT, waitFor, type Harness } from '../../testkit/harness';
import { agentReply, startChannelHarness } from './channel-helpers';
import { splitForWhatsApp } from '../../src/channel/outbound/split-text';
import { translator } from '../../src/i18n';

const A = '358401234567';
const word = 'lorem ';

describe.each(engines)('split reply notice (%s)', (engine) => {
  let h: Harness;
  beforeEach(async () => {
    h = await startChannelHarness({ engine });
  });
  afterEach(async () => h.stop());

  const notices = () => h.giosg.chatMessages.filter((m) => m.message.startsWith('ℹ️'));

  test('a reply split into three WhatsApp messages is said to the agent once, with the per-message charge', async () => {
    const long = word.repeat(1500).trim(); // 8999 characters
    expect(splitForWhatsApp(long)).toHaveLength(3);
    const first = await agentReply(h, A, long, 'giosg-msg-long');
    expect(first.status).toBe(200);
    await waitFor(() => h.graph.sent.length === 3, 'three parts sent');
    await waitFor(() => notices().length === 1, 'split notice');
    // giosg redelivers the same message: nothing queued, nothing said again.
    const again = await agentReply(h, A, long, 'giosg-msg-long');
    expect(again.status).toBe(200);
    await h.idle();
    expect(h.graph.sent).toHaveLength(3);
    expect(h.graph.sent.map((m) => m.body).join(' ')).toBe(long);
    expect(notices()).toHaveLength(1);
    const [n] = notices();
    expect(n.message).toBe(translator('en')('delivery:split', { parts: 3, max: '4,096' }));
    expect(n.message).toContain('3 separate messages');
    expect(n.message).toContain('charged');
    expect(n.userId).toBe(TENANT.giosgBotUserId);
    expect(h.giosg.chats.some((c) => c.id === n.chatId)).toBe(true);
  });

  test('a reply that fits in one message says nothing', async () => {
    await agentReply(h, A, 'short answer');
    await waitFor(() => h.graph.sent.length === 1, 'sent');
    await h.idle();
    expect(notices()).toHaveLength(0);
  });

  test('the notice is in the tenant language', async () => {
    await h.services.tenants.update(TENANT.id, { defaultLocale: 'fi' });
    await agentReply(h, A, word.repeat(800).trim());
    await waitFor(() => h.graph.sent.length === 2, 'two parts sent');
    await waitFor(() => notices().length === 1, 'split notice');
    expect(notices()[0].message).toBe(translator('fi')('delivery:split', { parts: 2, max: (4096).toLocaleString('fi') }));
    expect(notices()[0].message).toContain('2 erillisenä viestinä');
  });

  test('giosg refusing the notice loses no part of the reply; the failure is logged', async () => {
    h.giosg.failNext(50, 500);
    await agentReply(h, A, word.repeat(800).trim());
    await waitFor(() => h.graph.sent.length === 2, 'two parts sent');
    await waitFor(() => h.logs.text().includes('could not tell the agent that a reply was split'), 'warning logged');
    expect(notices()).toHaveLength(0);
    h.giosg.failNext(0, 500);
  });
});
