// Realistic signed Meta webhooks for the load generator: 1–3 KB bodies, about 70 % status
// batches (each sent message yields sent/delivered/read callbacks) and 30 % customer
// messages, each body unique except for a 10 % share of exact re-deliveries (same bytes,
// same signature), as Meta's retries produce. Bodies come from a few hundred templates
// with a unique id spliced in, so generating one costs a join and an HMAC.
import { signPayload } from '../src/sandbox/graph';
import * as envelopes from '../src/sandbox/graph-envelopes';
import type { SimPhone } from '../src/sandbox/graph';

type Builders = Pick<typeof envelopes, 'customerMessage' | 'statusUpdate'>;

export const DUPLICATE_SHARE = 0.1;
const MARK = '__UNIQ__';

export interface SignedBody {
  body: string;
  signature: string;
}

export class WebhookGenerator {
  private readonly templates: string[][] = [];
  private readonly recent: SignedBody[] = [];
  private seq = 0;
  sent = 0;
  duplicates = 0;
  bytes = 0;

  private readonly phones: Map<string, SimPhone>;
  private readonly phoneNumberId: string;

  constructor(
    phone: SimPhone,
    private readonly appSecret: string,
    templates = 300,
  ) {
    this.phones = new Map([[phone.id, phone]]);
    this.phoneNumberId = phone.id;
    const sim: Builders = envelopes;
    for (let i = 0; i < templates; i++) {
      const payload = i % 10 < 3 ? this.customer(sim, i) : this.statuses(sim, i);
      this.templates.push(JSON.stringify(payload).split(MARK));
    }
  }

  next(): SignedBody {
    this.sent++;
    if (this.recent.length > 50 && Math.random() < DUPLICATE_SHARE) {
      this.duplicates++;
      const d = this.recent[Math.floor(Math.random() * this.recent.length)];
      this.bytes += d.body.length;
      return d;
    }
    const parts = this.templates[this.seq % this.templates.length];
    const body = parts.join(`${process.pid}x${this.seq++}`);
    const signed = { body, signature: signPayload(body, this.appSecret) };
    if (this.recent.length < 1000) this.recent.push(signed);
    else this.recent[this.seq % 1000] = signed;
    this.bytes += body.length;
    return signed;
  }

  private customer(sim: Builders, i: number): object {
    const from = `35840${String(1000000 + (i % 500)).padStart(7, '0')}`;
    // 700–2,300 characters of text puts the whole envelope at 1–3 KB.
    const words = 'Hei, tilasin viime viikolla kengät ja ne eivät ole vielä tulleet. Voitteko tarkistaa tilauksen tilan? ';
    const text = words.repeat(12).slice(0, 700 + ((i * 137) % 1600));
    return sim.customerMessage(this.phones, { phoneNumberId: this.phoneNumberId, from, text, name: 'Maija Meikäläinen', id: `wamid.in.${MARK}` });
  }

  private statuses(sim: Builders, i: number): object {
    // Meta batches callbacks: 2–6 statuses per POST here, which lands at 1–3 KB.
    const n = 2 + (i % 5);
    const envelope = sim.statusUpdate(this.phones, { phoneNumberId: this.phoneNumberId, wamid: `wamid.out.${MARK}.0`, recipient: '358401234567', status: 'sent' }) as {
      entry: Array<{ changes: Array<{ value: { statuses: object[] } }> }>;
    };
    const value = envelope.entry[0].changes[0].value;
    const kinds = ['sent', 'delivered', 'read'] as const;
    for (let k = 1; k < n; k++) {
      const more = sim.statusUpdate(this.phones, { phoneNumberId: this.phoneNumberId, wamid: `wamid.out.${MARK}.${k}`, recipient: `35840${1000000 + k}`, status: kinds[k % 3] }) as typeof envelope;
      value.statuses.push(...more.entry[0].changes[0].value.statuses);
    }
    return envelope;
  }
}
