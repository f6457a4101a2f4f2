// Before an agent's reply goes out, the customer's latest message is marked read with a
// typing indicator (giosg gives us no "agent opened the chat" or "agent is typing" event):
// once per customer message, with the reply's token, and never at the cost of the reply.
import { engines, TENANT, waitFor, type Harness } from '../../testkit/harness';
import { agentReply, customer, startChannelHarness } from '../channel/channel-helpers';
import { tokenFingerprint } from '../../src/sandbox/fingerprint';

const A = '358401234567';
const B = '358409876543';

const firstMessageId = (payload: object): string =>
  (payload as { entry: { changes: { value: { messages: { id: string }[] } }[] }[] }).entry[0].changes[0].value.messages[0].id;

describe.each(engines)('read mark and typing before a reply (%s)', (engine) => {
  let h: Harness;
  afterEach(async () => h?.stop());

  async function customerWrites(from: string, text: string): Promise<string> {
    const payload = customer(h, from, text);
    const id = firstMessageId(payload);
    expect((await h.graph.deliverWebhook(payload)).status).toBe(200);
    await waitFor(() => h.giosg.umiMessages.some((m) => m.text === text), `"${text}" relayed`);
    return id;
  }

  test('the reply marks the customer message read with typing, just before it is sent, once per message', async () => {
    h = await startChannelHarness({ engine });
    const w1 = await customerWrites(A, 'Is my order on its way?');
    await agentReply(h, A, 'Let me check.');
    await waitFor(() => h.graph.sent.length === 1, 'reply sent');
    expect(h.graph.readMarks).toHaveLength(1);
    const [mark] = h.graph.readMarks;
    expect(mark).toMatchObject({ phoneNumberId: TENANT.phoneNumberId, messageId: w1, typing: true, tokenFingerprint: tokenFingerprint(h.token) });
    expect(mark.at).toBeLessThanOrEqual(h.graph.sent[0].at);
    // A second reply to the same message marks nothing again.
    await agentReply(h, A, 'It left the warehouse today.');
    await waitFor(() => h.graph.sent.length === 2, 'second reply sent');
    await h.idle();
    expect(h.graph.readMarks).toHaveLength(1);
    // The customer writes twice more; the next reply marks the latest one (WhatsApp marks earlier ones with it).
    await customerWrites(A, 'Thanks!');
    const w3 = await customerWrites(A, 'When will it arrive?');
    await agentReply(h, A, 'Tomorrow.');
    await waitFor(() => h.graph.sent.length === 3, 'third reply sent');
    expect(h.graph.readMarks.map((m) => m.messageId)).toEqual([w1, w3]);
    const metrics = await h.services.metrics.registry.getSingleMetricAsString('whatsapp_read_marks_total');
    expect(metrics).toContain('result="ok"} 2');
  });

  test('each customer is marked on their own; a reply to someone who never wrote marks nothing', async () => {
    h = await startChannelHarness({ engine });
    const a = await customerWrites(A, 'hello from A');
    const b = await customerWrites(B, 'hello from B');
    await agentReply(h, B, 'hi B');
    await agentReply(h, A, 'hi A');
    await agentReply(h, '358401111111', 'hi stranger');
    await waitFor(() => h.graph.sent.length === 3, 'three replies sent');
    await h.idle();
    expect(h.graph.readMarks.map((m) => m.messageId).sort()).toEqual([a, b].sort());
  });

  test('MARK_READ=off sends no read marks', async () => {
    h = await startChannelHarness({ engine, config: { markRead: false } });
    await customerWrites(A, 'hello');
    await agentReply(h, A, 'hi');
    await waitFor(() => h.graph.sent.length === 1, 'reply sent');
    await h.idle();
    expect(h.graph.readMarks).toHaveLength(0);
  });

  test('Meta refusing the read mark (unknown message id) does not hold up the reply; it is logged and counted', async () => {
    h = await startChannelHarness({ engine });
    const payload = customer(h, A, 'a message Meta forgot');
    // A message id the simulator never issued: Meta answers (#100) to a read mark for it.
    const m = (payload as { entry: { changes: { value: { messages: { id: string }[] } }[] }[] }).entry[0].changes[0].value.messages[0];
    m.id = 'wamid.HBgMMzU4NDAxMjM0NTY3FQIAEhgUM0FCQ0RFRjAxMjM0NTY3ODlBQkMA';
    expect((await h.graph.deliverWebhook(payload)).status).toBe(200);
    await waitFor(() => h.giosg.umiMessages.some((u) => u.text === 'a message Meta forgot'), 'relayed');
    await agentReply(h, A, 'answer');
    await waitFor(() => h.graph.sent.length === 1, 'reply sent anyway');
    expect(h.graph.readMarks).toHaveLength(0);
    expect(h.logs.text()).toContain('could not mark the customer message read');
    expect(await h.services.metrics.registry.getSingleMetricAsString('whatsapp_read_marks_total')).toContain('result="failed"} 1');
  });

  test('an expired token fails the read mark and the reply alike: the channel pauses, and after the swap both go once; the token is never logged', async () => {
    h = await startChannelHarness({ engine });
    const w1 = await customerWrites(A, 'are you there?');
    h.graph.expireToken(h.token);
    await agentReply(h, A, 'yes!');
    await waitFor(async () => (await h.channel.status(TENANT.id))?.paused === true, 'channel paused');
    expect(h.graph.sent).toHaveLength(0);
    expect(h.graph.readMarks).toHaveLength(0);
    // A new token is swapped in (as the renewal dialog does).
    const fresh = `EAAG${'n'.repeat(40)}`;
    h.graph.addToken({ token: fresh, appId: TENANT.metaAppId, scopes: ['whatsapp_business_management', 'whatsapp_business_messaging'], targetIds: [TENANT.wabaId] });
    const id = await h.services.vault.addPending(TENANT.id, fresh, 'test', 'test');
    await h.services.vault.markValidated(TENANT.id, id, { expiresAt: null, tokenType: 'SYSTEM_USER', verifiedName: 'Acme Oy', displayPhoneNumber: '+358 40 1234567' }, 'test');
    const current = await h.services.vault.current(TENANT.id);
    expect((await h.services.vault.promote(TENANT.id, id, current!.versionId, 'test')).ok).toBe(true);
    await waitFor(() => h.graph.sent.length === 1, 'reply sent after the swap');
    await h.idle();
    expect(h.graph.sent[0].body).toBe('yes!');
    expect(h.graph.readMarks.map((m) => [m.messageId, m.tokenFingerprint])).toEqual([[w1, tokenFingerprint(fresh)]]);
    expect(h.logs.text()).not.toContain(h.token);
    expect(h.logs.text()).not.toContain(fresh);
  });
});
