// Every non-media message type Meta sends reaches the agent in giosg as readable text:
// Meta's documented example payloads through the real webhook route, relayed through the
// giosg simulator. Replies and reactions quote what they answer when we have it stored.
import { engines, Harness, TENANT, waitFor } from '../../testkit/harness';
import { agentReply, customer, postSigned, startChannelHarness } from './channel-helpers';
import { envelope, messageExample, EXAMPLE_FROM, MESSAGE_OBJECTS, type MessageKind } from './message-examples';
import { mediaExample, sampleBytes } from './media-examples';

const relayed = (h: Harness, wamid: string) => waitFor(() => h.giosg.umiMessages.find((m) => m.external_message_id === wamid), `relayed ${wamid}`);

describe.each(engines)('message types (%s)', (engine) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startChannelHarness({ engine });
  });
  afterAll(async () => {
    await h.stop();
  });

  const expected: Record<Exclude<MessageKind, 'reaction' | 'reaction_removed'>, string[]> = {
    location: ['[Location] Solomon R. Guggenheim Museum, 1071 5th Ave, New York, NY 10128', 'Map: https://maps.google.com/?q=40.782910059774,-73.959075808525', 'https://www.guggenheim.org/'],
    contacts: ['[The customer shared a contact]', 'Barbara J. Johnson: +1 (415) 555-0123, +1 (415) 555-0987'],
    button_reply: ['[Replying to an earlier message]', '[Button] Cancel'],
    list_reply: ['[Replying to an earlier message]', '[List choice] Priority Mail Express – Next Day to 2 Days'],
    nfm_reply: ['[Replying to an earlier message]', '[Form sent] Sent', 'firstName: Barbara', 'lastName: Johnson', 'email: bjohnson@luckyshrub.com'],
    button: ['[Replying to an earlier message]', '[Quick reply] Unsubscribe from Promos'],
    order: ['[Order from catalog 194836987003835]', '2 × di9ozbzfi4 at 30 USD', '1 × nqryix03ez at 25 USD', 'Total: 85 USD', 'Note: Can you deliver by Friday?'],
    referral: ['[Came from an ad (ad): Summer Succulent Sale https://fb.me/3cr4Wqqkv]', 'Can I get the succulent bundle?'],
    unsupported: ['[The customer sent a message WhatsApp does not pass on to businesses (edit)]', 'WhatsApp says: Message type is currently not supported.'],
    system: ['[The customer changed their phone number to 16505559876]'],
  };

  test.each(Object.keys(expected) as (keyof typeof expected)[])('%s from Meta’s example reaches giosg readable', async (kind) => {
    const wamid = `wamid.${engine}-${kind}`;
    const res = await postSigned(h, messageExample(kind, { wamid, from: kind === 'system' ? `${EXAMPLE_FROM}` : `${EXAMPLE_FROM}${kind.length}` }));
    expect(res.status).toBe(200);
    const msg = await relayed(h, wamid);
    expect(msg.text.split('\n')).toEqual(expected[kind]);
    expect(msg.text).not.toContain('flow_token');
  });

  test('a reaction quotes the agent’s reply it reacts to; a removed reaction says so; an unknown target is named by id', async () => {
    const from = '358401110001';
    await postSigned(h, customer(h, from, 'Is my parcel on its way?'));
    await waitFor(() => h.giosg.umiMessages.find((m) => m.thread_id === from), 'first message');
    await agentReply(h, from, 'Yes, it leaves the warehouse today and should arrive on Friday.');
    const sent = await waitFor(async () => (await h.services.store.db.selectFrom('outbox').select('wamid').where('recipient', '=', from).executeTakeFirst())?.wamid, 'sent');
    await postSigned(h, messageExample('reaction', { from, wamid: 'wamid.react-1', extra: { reaction: { message_id: sent, emoji: '❤️' } } }));
    expect((await relayed(h, 'wamid.react-1')).text).toBe('[Reacted ❤️ to: “Yes, it leaves the warehouse today and should arrive on Friday.”]');
    await postSigned(h, messageExample('reaction_removed', { from, wamid: 'wamid.react-2', extra: { reaction: { message_id: sent } } }));
    expect((await relayed(h, 'wamid.react-2')).text).toBe('[Removed their reaction to: “Yes, it leaves the warehouse today and should arrive on Friday.”]');
    await postSigned(h, messageExample('reaction', { from, wamid: 'wamid.react-3' }));
    expect((await relayed(h, 'wamid.react-3')).text).toBe('[Reacted 👍 to message wamid.HBgLMTY0NjcwNDM1OTUVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA]');
  });

  test('a reply quotes the customer’s own earlier message, also one in the same webhook', async () => {
    const from = '358401110002';
    await postSigned(h, messageExample('location', { from, wamid: 'wamid.q-1' }));
    await relayed(h, 'wamid.q-1');
    await postSigned(
      h,
      envelope({
        contacts: [{ profile: { name: 'Sheena Nelson' }, wa_id: from }],
        messages: [
          { from, id: 'wamid.q-2', timestamp: '1750090710', type: 'text', text: { body: 'Is this the right entrance?' }, context: { from, id: 'wamid.q-1' } },
          { from, id: 'wamid.q-3', timestamp: '1750090711', type: 'text', text: { body: 'Never mind' }, context: { from, id: 'wamid.q-2' } },
        ],
      }),
    );
    expect((await relayed(h, 'wamid.q-2')).text).toBe('[Replying to: “[Location] Solomon R. Guggenheim Museum, 1071 5th Ave, New York, NY 10128 Map: https://maps.google.com/?q=40.7829100597…”]\nIs this the right entrance?');
    expect((await relayed(h, 'wamid.q-3')).text).toBe('[Replying to: “Is this the right entrance?”]\nNever mind');
  });

  test('a photo sent in reply from an ad keeps the quote and the ad above its caption, with the file attached', async () => {
    const from = '358401110005';
    await postSigned(h, customer(h, from, 'Is the blue one in stock?', { id: 'wamid.mq-1' }));
    await relayed(h, 'wamid.mq-1');
    const stored = await h.graph.media.add({ mimeType: 'image/jpeg', data: sampleBytes('image', 20_000) });
    const photo = mediaExample('image', { mediaId: stored.id, from, wamid: 'wamid.mq-2' }) as any;
    Object.assign(photo.entry[0].changes[0].value.messages[0], { context: { from, id: 'wamid.mq-1' }, referral: MESSAGE_OBJECTS.referral.referral });
    expect((await postSigned(h, photo)).status).toBe(200);
    const msg = await relayed(h, 'wamid.mq-2');
    expect(msg.text.split('\n')).toEqual(['[Came from an ad (ad): Summer Succulent Sale https://fb.me/3cr4Wqqkv]', '[Replying to: “Is the blue one in stock?”]', 'Black jacket']);
    expect(msg.attachments).toHaveLength(1);
  });

  test('errors[] on a text message and an unknown type are a clear line and a 200 to Meta, never a 4xx', async () => {
    const from = '358401110003';
    const res = await postSigned(
      h,
      envelope({
        messages: [
          { from, id: 'wamid.e-1', timestamp: '1750090720', type: 'unknown', errors: [{ code: 131051, title: 'Message type unknown', message: 'Message type unknown', error_data: { details: 'Message type is currently not supported.' } }] },
          { from, id: 'wamid.e-2', timestamp: '1750090721', type: 'text', text: { body: 'hello' }, errors: [{ code: 131000, title: 'Something went wrong' }], some_future_field: { x: 1 } },
          { from, id: 'wamid.e-3', timestamp: '1750090722', type: 'poll_vote', poll_vote: { option: 2 } },
        ],
      }),
    );
    expect(res.status).toBe(200);
    expect((await relayed(h, 'wamid.e-1')).text).toBe('[The customer sent a message WhatsApp does not pass on to businesses]\nWhatsApp says: Message type is currently not supported.');
    expect((await relayed(h, 'wamid.e-2')).text).toBe('hello\n[WhatsApp reported a problem with this message: Something went wrong (code 131000)]');
    expect((await relayed(h, 'wamid.e-3')).text).toBe('[The customer sent a message of type “poll_vote” that cannot be shown here]');
  });

  test('the agent reads it in the tenant’s language', async () => {
    await h.services.store.db.updateTable('tenants').set({ default_locale: 'fi' }).where('tenant_id', '=', TENANT.id).execute();
    h.services.tenants.invalidate(TENANT.id);
    try {
      await postSigned(h, messageExample('location', { from: '358401110004', wamid: 'wamid.fi-1' }));
      const text = (await relayed(h, 'wamid.fi-1')).text;
      expect(text.split('\n')[0]).toBe('[Sijainti] Solomon R. Guggenheim Museum, 1071 5th Ave, New York, NY 10128');
    } finally {
      await h.services.store.db.updateTable('tenants').set({ default_locale: 'en' }).where('tenant_id', '=', TENANT.id).execute();
      h.services.tenants.invalidate(TENANT.id);
    }
  });
});
