// Processor throughput: how many stored webhooks per second the background processor turns
// into work, on its own (nothing else loading the process). Rows are stored through the
// group-commit writer with the workers stopped, then the workers start and we time the
// backlog to zero. This bounds the sustainable rate: above it, acknowledged webhooks queue.
import { startHarness, waitFor } from '../testkit/harness';
import { WebhookBatchWriter } from '../src/store/webhook-batch-writer';
import { WebhookRepo } from '../src/store/webhook-repo';
import { WebhookGenerator } from './payloads';
import { PHONE } from './service';
import { TENANT } from '../testkit/harness';

export interface ProcessorResult {
  webhooks: number;
  perSec: number;
  ms: number;
  /**
   * CPU time of this process per webhook while the backlog was worked off (processing, the
   * relay to the in-process giosg simulator, the polls that wait for it). Unlike perSec it
   * does not move with time the hypervisor takes from the machine.
   */
  cpuUsPerWebhook: number;
}

export async function processorThroughput(n: number): Promise<ProcessorResult> {
  const h = await startHarness({ workers: false, config: { logLevel: 'warn' } });
  try {
    const writer = new WebhookBatchWriter(h.services.store);
    const gen = new WebhookGenerator(PHONE, TENANT.metaAppSecret);
    const now = Date.now();
    await Promise.all(Array.from({ length: n }, () => writer.write(TENANT.id, gen.next().body, now)));
    const repo = new WebhookRepo(h.services.store.db);
    const started = Date.now();
    const cpu0 = process.cpuUsage();
    h.startWorkers();
    await waitFor(async () => (await repo.countUnprocessed()) === 0, 'backlog processed', 300_000, 50);
    const ms = Date.now() - started;
    const cpu = process.cpuUsage(cpu0);
    return { webhooks: n, perSec: Math.round((n / ms) * 1000), ms, cpuUsPerWebhook: Math.round((cpu.user + cpu.system) / n) };
  } finally {
    await h.stop();
  }
}
