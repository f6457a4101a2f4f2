// One customer's parts of a stored Meta webhook: found by phone-number id or by BSUID,
// removed without touching anything else in the body.
import { customerParts } from '../../src/meta/webhook-redact';

const envelope = (value: object, field = 'messages') => JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '555', changes: [{ field, value }] }] });
const meta = { messaging_product: 'whatsapp', metadata: { display_phone_number: '358401234567', phone_number_id: '777' } };

describe('customerParts', () => {
  test('a body only about the customer has nothing left', () => {
    const body = envelope({ ...meta, contacts: [{ wa_id: '111', profile: { name: 'A' } }], messages: [{ from: '111', id: 'wamid.1', timestamp: '1', type: 'text', text: { body: 'hi' } }] });
    const p = customerParts(body, '111')!;
    expect(p.redacted).toBeNull();
    expect(p.parts.map((x) => x.kind)).toEqual(['contacts', 'messages']);
  });

  test("others' messages and statuses stay; the customer's go, by wa_id or by BSUID", () => {
    const body = envelope({
      ...meta,
      contacts: [{ wa_id: '111', profile: { name: 'A' } }, { user_id: 'FI.42', profile: { username: 'bee' } }, { wa_id: '333' }],
      messages: [
        { from: '111', id: 'wamid.1', timestamp: '1', type: 'text', text: { body: 'from A' } },
        { from: '', from_user_id: 'FI.42', id: 'wamid.2', timestamp: '1', type: 'text', text: { body: 'from B' } },
        { from: '333', id: 'wamid.3', timestamp: '1', type: 'text', text: { body: 'from C' } },
      ],
      statuses: [{ id: 'wamid.out', status: 'read', timestamp: '1', recipient_id: '111' }],
    });
    const a = customerParts(body, '111')!;
    expect(a.parts).toHaveLength(3);
    expect(a.redacted).not.toContain('from A');
    expect(a.redacted).not.toContain('"111"');
    expect(a.redacted).toContain('from B');
    expect(a.redacted).toContain('from C');
    const b = customerParts(body, 'FI.42')!;
    expect(b.parts.map((x) => x.kind)).toEqual(['contacts', 'messages']);
    expect(b.redacted).not.toContain('FI.42');
    expect(b.redacted).toContain('from A');
  });

  test('other kinds of change stay; an unreadable body is left alone', () => {
    const body = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [{ id: '555', changes: [{ field: 'messages', value: { ...meta, statuses: [{ id: 'w', status: 'sent', timestamp: '1', recipient_id: '111' }] } }, { field: 'account_update', value: { event: 'X' } }] }],
    });
    const p = customerParts(body, '111')!;
    expect(p.parts).toHaveLength(1);
    expect(JSON.parse(p.redacted!).entry[0].changes[1]).toEqual({ field: 'account_update', value: { event: 'X' } });
    expect(customerParts('{not json', '111')).toBeNull();
    expect(customerParts('{"entry": 3}', '111')).toBeNull();
  });
});
