// Prometheus metrics. One registry per service instance so tests can build many apps.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly webhooks = new Counter({
    name: 'webhooks_total',
    help: 'Webhooks received, by source and result (accepted, or the rejection reason)',
    labelNames: ['source', 'result'],
    registers: [this.registry],
  });
  readonly outboxDepth = new Gauge({
    name: 'outbox_depth',
    help: 'Replies waiting to be sent, per tenant',
    labelNames: ['tenant'],
    registers: [this.registry],
  });
  readonly sends = new Counter({
    name: 'whatsapp_sends_total',
    help: 'Send attempts to WhatsApp by result class (ok, token, permission, throttled, transient, account, message)',
    labelNames: ['class'],
    registers: [this.registry],
  });
  readonly readMarks = new Counter({
    name: 'whatsapp_read_marks_total',
    help: 'Customer messages marked read (with a typing indicator) before a reply, by result',
    labelNames: ['result'],
    registers: [this.registry],
  });
  readonly deliveryTicks = new Counter({
    name: 'giosg_delivery_ticks_total',
    help: 'Delivery lines said in agents\' chats, by state (delivered, read) and result (posted, failed)',
    labelNames: ['state', 'result'],
    registers: [this.registry],
  });
  readonly channelPaused = new Gauge({
    name: 'channel_paused',
    help: '1 while a tenant channel is paused (circuit open)',
    labelNames: ['tenant'],
    registers: [this.registry],
  });
  readonly pruned = new Counter({
    name: 'retention_pruned_rows_total',
    help: 'Rows the retention pruner deleted or stripped of content, by step',
    labelNames: ['step'],
    registers: [this.registry],
  });
  readonly relays = new Counter({
    name: 'giosg_relays_total',
    help: 'Customer messages relayed into giosg by result',
    labelNames: ['result'],
    registers: [this.registry],
  });
  readonly tokenSwaps = new Counter({
    name: 'token_swaps_total',
    help: 'Token promotions by source',
    labelNames: ['source'],
    registers: [this.registry],
  });
  readonly tokenRollbacks = new Counter({
    name: 'token_rollbacks_total',
    help: 'Rollback attempts (bot and CLI) by outcome: done, or why it was refused',
    labelNames: ['result'],
    registers: [this.registry],
  });
  readonly linkSubmissions = new Counter({
    name: 'link_submissions_total',
    help: 'One-time link submissions by outcome',
    labelNames: ['outcome'],
    registers: [this.registry],
  });

  constructor(collectDefaults = true) {
    if (collectDefaults) collectDefaultMetrics({ register: this.registry });
  }
}
