// Meta's documented example webhooks for the non-media message types (WhatsApp Cloud API,
// "Webhooks reference: messages" — location, contacts, interactive, button, reaction,
// order, system, unsupported, and a click-to-WhatsApp referral; Graph v25 shapes). The
// message objects are Meta's sample values; only the envelope ids are filled in per test.
import { TENANT } from '../../testkit/harness';

export const EXAMPLE_FROM = '16505551234';

/** Meta's sample message bodies, without `from`, `id` and `timestamp`. */
export const MESSAGE_OBJECTS = {
  location: {
    type: 'location',
    location: { address: '1071 5th Ave, New York, NY 10128', latitude: 40.782910059774, longitude: -73.959075808525, name: 'Solomon R. Guggenheim Museum', url: 'https://www.guggenheim.org/' },
  },
  contacts: {
    type: 'contacts',
    contacts: [
      {
        addresses: [{ city: 'Menlo Park', country: 'United States', country_code: 'us', state: 'CA', street: '1 Hacker Way', type: 'HOME', zip: '94025' }],
        birthday: '1999-01-23',
        emails: [{ email: 'bjohnson@example.com', type: 'HOME' }],
        name: { first_name: 'Barbara', last_name: 'Johnson', formatted_name: 'Barbara J. Johnson' },
        org: { company: 'Lucky Shrub', department: 'Legal', title: 'Lead Counsel' },
        phones: [
          { phone: '+1 (415) 555-0123', wa_id: '14155550123', type: 'MOBILE' },
          { phone: '+1 (415) 555-0987', type: 'HOME' },
        ],
        urls: [{ url: 'https://www.luckyshrub.com', type: 'WORK' }],
      },
    ],
  },
  button_reply: {
    type: 'interactive',
    context: { from: '15550783881', id: 'wamid.HBgLMTY0NjcwNDM1OTUVAgARGBIyNDg3NzQxQ0Y4QjE3QzUzRTgA' },
    interactive: { type: 'button_reply', button_reply: { id: 'cancel-button', title: 'Cancel' } },
  },
  list_reply: {
    type: 'interactive',
    context: { from: '15550783881', id: 'wamid.HBgLMTY0NjcwNDM1OTUVAgARGBJBMkI0QzkyOTNGRkY5N0Q5QkQA' },
    interactive: { type: 'list_reply', list_reply: { id: 'priority_express', title: 'Priority Mail Express', description: 'Next Day to 2 Days' } },
  },
  nfm_reply: {
    type: 'interactive',
    context: { from: '15550783881', id: 'wamid.HBgLMTY0NjcwNDM1OTUVAgARGBI3QTIyQzdBNkFFRDQ3NzE0RDcA' },
    interactive: {
      type: 'nfm_reply',
      nfm_reply: { name: 'flow', body: 'Sent', response_json: '{"flow_token": "AQAAAAACS5FpgQ_cAAAAAD0QI3s.", "firstName": "Barbara", "lastName": "Johnson", "email": "bjohnson@luckyshrub.com"}' },
    },
  },
  button: {
    type: 'button',
    context: { from: '15550783881', id: 'wamid.HBgLMTY0NjcwNDM1OTUVAgARGBI3NTA1RjdDOUM2OEI4MEE3NjgA' },
    button: { payload: 'Unsubscribe from Promos', text: 'Unsubscribe from Promos' },
  },
  reaction: { type: 'reaction', reaction: { message_id: 'wamid.HBgLMTY0NjcwNDM1OTUVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA', emoji: '\uD83D\uDC4D' } },
  reaction_removed: { type: 'reaction', reaction: { message_id: 'wamid.HBgLMTY0NjcwNDM1OTUVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA' } },
  order: {
    type: 'order',
    order: {
      catalog_id: '194836987003835',
      text: 'Can you deliver by Friday?',
      product_items: [
        { product_retailer_id: 'di9ozbzfi4', quantity: 2, item_price: 30, currency: 'USD' },
        { product_retailer_id: 'nqryix03ez', quantity: 1, item_price: 25, currency: 'USD' },
      ],
    },
  },
  referral: {
    type: 'text',
    text: { body: 'Can I get the succulent bundle?' },
    referral: {
      source_url: 'https://fb.me/3cr4Wqqkv',
      source_id: '120226305854810726',
      source_type: 'ad',
      body: 'Chat with us to get 20% off all succulents.',
      headline: 'Summer Succulent Sale',
      media_type: 'image',
      image_url: 'https://scontent.xx.fbcdn.net/v/t45.1600-4/407953217_n.png',
      ctwa_clid: 'ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6LEkR7JwFF4XvnO2E4Nx0-eM-GABDLOPaOdRMv-_zfUQ2a',
    },
  },
  unsupported: {
    type: 'unsupported',
    errors: [{ code: 131051, title: 'Message type unknown', message: 'Message type unknown', error_data: { details: 'Message type is currently not supported.' } }],
    unsupported: { type: 'edit' },
  },
  system: {
    type: 'system',
    system: { body: 'User A changed from 16505551234 to 16505559876', wa_id: '16505559876', type: 'user_changed_number' },
  },
} as const;

export type MessageKind = keyof typeof MESSAGE_OBJECTS;

export interface ExampleOptions {
  from?: string;
  wamid: string;
  name?: string;
  timestamp?: string;
  /** Overrides or additions on the message object (e.g. a `context` of our own). */
  extra?: Record<string, unknown>;
  /** Contacts entry; system messages come without one (as Meta documents). */
  contacts?: Record<string, unknown>[] | null;
}

export function messageExample(kind: MessageKind, o: ExampleOptions): object {
  const from = o.from ?? EXAMPLE_FROM;
  const contacts = o.contacts === null || kind === 'system' ? undefined : (o.contacts ?? [{ profile: { name: o.name ?? 'Sheena Nelson' }, wa_id: from }]);
  return envelope({ ...(contacts ? { contacts } : {}), messages: [{ from, id: o.wamid, timestamp: o.timestamp ?? '1750090702', ...MESSAGE_OBJECTS[kind], ...o.extra }] });
}

export function envelope(value: Record<string, unknown>): object {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: TENANT.wabaId,
        changes: [{ value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: TENANT.phoneNumberId }, ...value }, field: 'messages' }],
      },
    ],
  };
}
