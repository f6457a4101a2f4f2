// Customers without a phone number (username + business-scoped user id, BSUID) and the
// identity rule: one giosg thread per customer however Meta names them (README
// "Customers and their ids"). Real webhook route, giosg and Graph simulators.
import { engines, Harness, waitFor } from '../../testkit/harness';
import { agentReply, customer, postSigned, startChannelHarness } from './channel-helpers';
import { envelope } from './message-examples';

const relayed = (h: Harness, wamid: string) => waitFor(() => h.giosg.umiMessages.find((m) => m.external_message_id === wamid), `relayed ${wamid}`);
const sentTo = (h: Harness, text: string) => waitFor(() => h.graph.sent.find((m) => m.body === text), `sent “${text}”`);

describe.each(engines)('customers and their ids (%s)', (engine) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startChannelHarness({ engine });
  });
  afterAll(async () => {
    await h.stop();
  });

  const write = async (o: { from: string; userId?: string; username?: string; id: string; text?: string; name?: string }) => {
    const r = await postSigned(h, customer(h, o.from, o.text ?? `hello ${o.id}`, { id: o.id, ...(o.userId ? { userId: o.userId } : {}), ...(o.username ? { username: o.username } : {}), ...(o.name ? { name: o.name } : {}) }));
    expect(r.status).toBe(200);
    return relayed(h, o.id);
  };

  test('a username-only customer (from and wa_id "") is relayed by BSUID with the username shown, and replies go to the BSUID as `recipient`', async () => {
    const payload = customer(h, '', 'Hi, I have a question', { id: 'wamid.u-1', userId: 'FI.6856184290916264', username: 'maija.m', name: 'Maija' }) as any;
    const value = payload.entry[0].changes[0].value;
    expect(value.messages[0].from).toBe('');
    expect(value.contacts[0].wa_id).toBe('');
    expect((await postSigned(h, payload)).status).toBe(200);
    const msg = await relayed(h, 'wamid.u-1');
    expect(msg.thread_id).toBe('FI.6856184290916264');
    expect(msg.sender_name).toBe('Maija (@maija.m)');
    expect(msg.text).toBe('Hi, I have a question');
    await agentReply(h, 'FI.6856184290916264', 'Sure, ask away');
    const sent = await sentTo(h, 'Sure, ask away');
    // The simulator sets `recipient` only for a send without `to`, as Meta reads it.
    expect(sent.recipient).toBe('FI.6856184290916264');
    // Its delivery status names the customer only by recipient_user_id.
    await postSigned(h, envelope({ statuses: [{ id: sent.id, status: 'delivered', timestamp: '1750091000', recipient_user_id: 'FI.6856184290916264' }] }));
    const row = await waitFor(async () => (await h.services.store.db.selectFrom('status_events').selectAll().where('status_id', '=', sent.id).executeTakeFirst()) ?? undefined, 'status stored');
    expect(row.recipient).toBe('FI.6856184290916264');
  });

  test('mixed: both ids first, then only the BSUID: one thread (the phone), replies to the phone', async () => {
    expect((await write({ from: '358401000001', userId: 'FI.1000001', id: 'wamid.m-1' })).thread_id).toBe('358401000001');
    expect((await write({ from: '', userId: 'FI.1000001', id: 'wamid.m-2' })).thread_id).toBe('358401000001');
    await agentReply(h, '358401000001', 'reply m');
    const sent = await sentTo(h, 'reply m');
    expect(sent.to).toBe('358401000001');
    expect(sent.recipient).toBeUndefined();
  });

  test('phone, then both, then BSUID only: one thread', async () => {
    expect((await write({ from: '358401000002', id: 'wamid.p-1' })).thread_id).toBe('358401000002');
    expect((await write({ from: '358401000002', userId: 'FI.1000002', id: 'wamid.p-2' })).thread_id).toBe('358401000002');
    expect((await write({ from: '', userId: 'FI.1000002', username: 'pekka', id: 'wamid.p-3' })).thread_id).toBe('358401000002');
  });

  test('BSUID only, then both, then phone only: one thread (the BSUID); replies go to the phone once it is known', async () => {
    expect((await write({ from: '', userId: 'SE.1000003', username: 'sven', id: 'wamid.b-1' })).thread_id).toBe('SE.1000003');
    expect((await write({ from: '46701000003', userId: 'SE.1000003', id: 'wamid.b-2' })).thread_id).toBe('SE.1000003');
    expect((await write({ from: '46701000003', id: 'wamid.b-3' })).thread_id).toBe('SE.1000003');
    await agentReply(h, 'SE.1000003', 'reply b');
    expect((await sentTo(h, 'reply b')).to).toBe('46701000003');
  });

  test('two customers already known apart are never merged by a message naming both', async () => {
    expect((await write({ from: '358401000010', id: 'wamid.n-1' })).thread_id).toBe('358401000010');
    expect((await write({ from: '', userId: 'FI.1000011', id: 'wamid.n-2' })).thread_id).toBe('FI.1000011');
    // The BSUID's thread wins for this message; the phone keeps its own thread.
    expect((await write({ from: '358401000010', userId: 'FI.1000011', id: 'wamid.n-3' })).thread_id).toBe('FI.1000011');
    expect((await write({ from: '358401000010', id: 'wamid.n-4' })).thread_id).toBe('358401000010');
  });

  test('changed number: the notice and the new number stay in the old thread, replies go to the new number, the old number is free for someone else', async () => {
    expect((await write({ from: '358401000020', userId: 'FI.1000020', id: 'wamid.c-1' })).thread_id).toBe('358401000020');
    // Meta's system message: from the old number, no contacts, the new number in system.wa_id.
    const notice = envelope({
      messages: [
        {
          from: '358401000020',
          id: 'wamid.c-2',
          timestamp: '1750090800',
          type: 'system',
          system: { body: 'User Maija changed from 358401000020 to 358401000021', wa_id: '358401000021', type: 'user_changed_number', user_id: 'FI.1000021', previous_user_id: 'FI.1000020' },
        },
      ],
    });
    expect((await postSigned(h, notice)).status).toBe(200);
    const n = await relayed(h, 'wamid.c-2');
    expect(n.thread_id).toBe('358401000020');
    expect(n.text).toBe('[The customer changed their phone number to 358401000021]');
    expect((await write({ from: '358401000021', userId: 'FI.1000021', id: 'wamid.c-3' })).thread_id).toBe('358401000020');
    await agentReply(h, '358401000020', 'reply c');
    expect((await sentTo(h, 'reply c')).to).toBe('358401000021');
    // Somebody else gets the old number later: a thread of their own, not Maija's.
    expect((await write({ from: '358401000020', userId: 'FI.9000020', id: 'wamid.c-4' })).thread_id).toBe('FI.9000020');
    // The same notice again (Meta retries) changes nothing.
    await postSigned(h, notice);
    expect((await write({ from: '358401000021', id: 'wamid.c-5' })).thread_id).toBe('358401000020');
  });

  test('changed to a number that already belongs to another customer: no merge', async () => {
    expect((await write({ from: '358401000030', id: 'wamid.x-1' })).thread_id).toBe('358401000030');
    expect((await write({ from: '358401000031', id: 'wamid.x-2' })).thread_id).toBe('358401000031');
    const notice = envelope({ messages: [{ from: '358401000031', id: 'wamid.x-3', timestamp: '1750090900', type: 'system', system: { body: 'changed', wa_id: '358401000030', type: 'user_changed_number' } }] });
    await postSigned(h, notice);
    expect((await relayed(h, 'wamid.x-3')).thread_id).toBe('358401000031');
    expect((await write({ from: '358401000030', id: 'wamid.x-4' })).thread_id).toBe('358401000030');
  });

  test('a message with neither a phone number nor a user id is refused with the path (422)', async () => {
    const r = await postSigned(h, envelope({ messages: [{ from: '', id: 'wamid.z-1', timestamp: '1750090900', type: 'text', text: { body: 'x' } }] }));
    expect(r.status).toBe(422);
    expect(JSON.parse(r.text).error.details.path).toBe('entry.0.changes.0.value.messages.0.from');
  });
});
