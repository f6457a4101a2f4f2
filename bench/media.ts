// Media relay: customers' 1 MB images from the Graph simulator to giosg, through our
// server (lookup, Bearer download into the spool, giosg upload, UMI intake). Two phases on
// a fresh server: the relay rate for a stream of images from distinct customers, then 100
// images arriving at once (relayed concurrently) while our server's RSS is sampled; the
// process's VmHWM at the end is the peak over both (target < 200 MB).
import { signPayload } from '../src/sandbox/graph';
import { TENANT, waitFor } from '../testkit/harness';
import { memoryOf } from './processes';
import type { OurService } from './service';

export interface MediaResult {
  sizeBytes: number;
  rate: { images: number; ms: number; perSec: number; mbPerSec: number };
  concurrent: { images: number; ms: number; sampledPeakRssMb: number };
  idleRssMb: number;
  peakRssMb: number;
  delivered: number;
}

function webhook(mediaId: string, i: number, phase: string): string {
  const from = `3585${String(10_000_000 + i)}`;
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: TENANT.wabaId,
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '358401234567', phone_number_id: TENANT.phoneNumberId },
              contacts: [{ profile: { name: `Customer ${i}` }, wa_id: from }],
              messages: [{ from, id: `wamid.bench-${phase}-${i}`, timestamp: String(Math.floor(Date.now() / 1000)), type: 'image', image: { caption: `photo ${i}`, mime_type: 'image/jpeg', sha256: 'x', id: mediaId } }],
            },
          },
        ],
      },
    ],
  });
}

async function post(url: string, raw: string): Promise<void> {
  const res = await fetch(`${url}/webhooks/meta/${TENANT.id}`, { method: 'POST', body: raw, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signPayload(raw, TENANT.metaAppSecret) } });
  await res.text();
  if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
}

const delivered = async (svc: OurService) => ((await svc.sims.call('mediaDelivered')) as { withAttachment: number }).withAttachment;

export async function mediaRelay(svc: OurService, o: { rateImages: number; concurrentImages: number; sizeBytes: number }): Promise<MediaResult> {
  const idle = memoryOf(svc.child.pid);
  const ids = (await svc.sims.call('addMedia', { n: o.rateImages + o.concurrentImages, size: o.sizeBytes })) as string[];

  // Rate: a stream of webhooks (20 in flight), each one image from its own customer.
  const rateStart = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      while (next < o.rateImages) {
        const i = next++;
        await post(svc.child.url, webhook(ids[i], i, 'rate'));
      }
    }),
  );
  await waitFor(async () => (await delivered(svc)) >= o.rateImages, 'rate phase delivered', 300_000, 50);
  const rateMs = Date.now() - rateStart;

  // Concurrent: all at once, so the relay holds up to a batch (100) of transfers together.
  let sampled = 0;
  const sampler = setInterval(() => {
    try {
      sampled = Math.max(sampled, memoryOf(svc.child.pid).rssMb);
    } catch {
      // gone
    }
  }, 100);
  const concStart = Date.now();
  try {
    await Promise.all(Array.from({ length: o.concurrentImages }, (_, k) => post(svc.child.url, webhook(ids[o.rateImages + k], o.rateImages + k, 'burst'))));
    await waitFor(async () => (await delivered(svc)) >= o.rateImages + o.concurrentImages, 'concurrent phase delivered', 300_000, 50);
  } finally {
    clearInterval(sampler);
  }
  const concMs = Date.now() - concStart;
  const end = memoryOf(svc.child.pid);
  const mb = o.sizeBytes / (1024 * 1024);
  return {
    sizeBytes: o.sizeBytes,
    rate: { images: o.rateImages, ms: rateMs, perSec: round1((o.rateImages / rateMs) * 1000), mbPerSec: round1(((o.rateImages * mb) / rateMs) * 1000) },
    concurrent: { images: o.concurrentImages, ms: concMs, sampledPeakRssMb: sampled },
    idleRssMb: idle.rssMb,
    peakRssMb: end.hwmMb,
    delivered: await delivered(svc),
  };
}

const round1 = (n: number) => Math.round(n * 10) / 10;
