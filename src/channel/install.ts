// Builds the WhatsApp channel: inbound (Meta webhook intake, processor, relay to giosg) and
// outbound (giosg reply receiver, outbox sender with its limiters, circuit and probe).
// Returns its parts; compose.ts mounts the routes and starts the workers.
import type { Express } from 'express';
import type { Services } from '../services';
import type { Worker } from '../worker';
import type { RouteModule } from '../http/app';
import { WebhookRepo } from '../store/webhook-repo';
import { InboundRepo } from '../store/inbound-repo';
import { OutboxRepo } from '../store/outbox-repo';
import { IncidentRepo } from '../store/incident-repo';
import { CircuitStateRepo } from '../store/circuit-state-repo';
import { DeliveryStatusRepo } from '../store/delivery-status-repo';
import { SendBudgetRepo } from '../store/send-budget-repo';
import { metaWebhookVerifyRoute } from './inbound/webhook-verify-route';
import { metaWebhookIntake, type WebhookIntake } from './inbound/webhook-intake';
import { WebhookBatchWriter } from '../store/webhook-batch-writer';
import type { ChannelControl } from './channel-types';
import { WebhookProcessor } from './inbound/webhook-processor';
import { QuoteRepo } from '../store/quote-repo';
import { CustomerIdRepo } from '../store/customer-id-repo';
import { CustomerKeys } from './inbound/customer-keys';
import { WebhookApplyRepo } from '../store/webhook-apply-repo';
import { RelayWorker } from './inbound/relay-worker';
import { giosgReplyRoutes } from './outbound/reply-receiver';
import { replyFailureNotice } from './outbound/reply-failure-notice';
import { channelTuning } from './tuning';
import { PollingLoop } from './polling-loop';
import { IngestPressure } from './ingest-pressure';
import { ChannelCircuit } from './outbound/circuit';
import { OutboxSender } from './outbound/sender';
import { ChannelProber } from './outbound/prober';
import { PhoneRateLimiters } from './outbound/rate-limiters';
import { ChannelControlImpl } from './channel-control';
import { InboundMedia } from './media/inbound-media';
import { OutboundMedia } from './media/outbound-media';
import { TransferSlots } from './media/transfer-slots';
import { MediaSpool, defaultSpoolDir } from './media/spool';
import { MetaMediaClient } from '../meta/media-client';
import { buildWindow } from './window/install-window';
import { ReadMarker } from './outbound/read-marker';
import { ReengagementSender } from './window/reengagement-sender';
import { ReengagementRepo } from '../store/reengagement-repo';
import { DeliveryTicks } from './outbound/delivery-ticks';
import { DeliveryTickRepo } from '../store/delivery-tick-repo';
import { ReadMarkRepo } from '../store/read-mark-repo';
import { RetentionPruner } from './retention-loop';

export interface ChannelFeature {
  /** Deletes finished rows past the retention policy (retention-loop.ts). */
  retention: RetentionPruner;
  /** What the bot and the playground may ask of the channel. */
  control: ChannelControl;
  /** POST /webhooks/meta/:tenant on bare node:http, in front of Express (http/server.ts). */
  intake: WebhookIntake;
  routes: RouteModule;
  workers: Worker[];
  /**
   * Resolves once processing, relay and sending have nothing due: two passes in a row in
   * which each loop found no work and no send was in flight. Tests wait on it instead of
   * sleeping before asserting that nothing more happened.
   */
  idle(): Promise<void>;
}

export function buildChannel(s: Services): ChannelFeature {
  const tuning = channelTuning(s.config);
  const db = s.store.db;
  const webhooks = new WebhookRepo(db);
  const inbound = new InboundRepo(db, s.store.engine);
  const outbox = new OutboxRepo(db, s.store.engine);
  const incidents = new IncidentRepo(db);
  const state = new CircuitStateRepo(db);
  const statuses = new DeliveryStatusRepo();
  // On PostgreSQL several instances may send for one number: they share its budget in the database.
  const limiters = new PhoneRateLimiters(
    s.config.sendRatePerSecond,
    s.store.engine === 'postgres'
      ? { repo: new SendBudgetRepo(db, s.store.engine), onError: (err) => s.logger.warn({ err: { message: (err as Error)?.message } }, 'send budget unavailable; retrying') }
      : undefined,
  );

  // The loop is created after the sender it drives; until then nothing can need a kick.
  const loopRef: { sender?: PollingLoop; relay?: PollingLoop; reengage?: PollingLoop } = {};
  const kickSender = () => {
    loopRef.sender?.kick();
    loopRef.reengage?.kick();
  };
  // A resume also wakes customers' media held while the channel was paused.
  const onResume = () => {
    kickSender();
    void inbound
      .wakeHeld(s.clock.now())
      .then((n) => n > 0 && loopRef.relay?.kick())
      .catch((err) => s.logger.warn({ err: { message: (err as Error)?.message } }, 'could not wake held media; it is retried on its own'));
  };
  const circuit = new ChannelCircuit(s, incidents, state, outbox, tuning, onResume);
  const spool = new MediaSpool(s.config.mediaSpoolDir ?? defaultSpoolDir());
  const mediaClient = new MetaMediaClient({ baseUrl: s.config.graph.baseUrl, version: s.config.graph.version });
  // One budget for both directions: what bounds memory is the transfers in flight, whichever way.
  const slots = new TransferSlots();
  const customers = new CustomerKeys(new CustomerIdRepo(s.store.db));
  const sender = new OutboxSender(s, outbox, statuses, state, circuit, limiters, tuning, new OutboundMedia(s, spool, mediaClient, slots), customers, new ReadMarker(s, new ReadMarkRepo(db)));
  const window = buildWindow(s);
  sender.onWindowClosed = (tenant, row, owner) => window.gate.heldByMeta(tenant, row, owner);
  window.observer.onReleased = kickSender;
  const reengagements = new ReengagementSender(s, new ReengagementRepo(db), window.repo, window.templates, circuit, limiters, window.notices, window.metrics, tuning, customers);
  const reengageLoop = new PollingLoop('reengagement-sender', tuning.pollMs, () => reengagements.tick(), s.logger);
  loopRef.reengage = reengageLoop;
  window.gate.onReengagement = () => reengageLoop.kick();
  window.observer.onTemplateFailed = (tenant, row, code, reason) => reengagements.failed(tenant, row, code, reason);
  // Acknowledging Meta's webhooks comes first; processing and relaying step aside while they arrive.
  const pressure = new IngestPressure();
  const relay = new RelayWorker(s, inbound, tuning, pressure, new InboundMedia(s, circuit, spool, mediaClient, slots));
  const prober = new ChannelProber(s, state, circuit, tuning);

  const senderLoop = new PollingLoop('outbox-sender', tuning.pollMs, async () => {
    await window.refreshGauge();
    return sender.tick();
  }, s.logger);
  loopRef.sender = senderLoop;
  sender.onSendDone = kickSender;
  const relayLoop = new PollingLoop('inbound-relay', tuning.pollMs, () => relay.tick(), s.logger);
  loopRef.relay = relayLoop;
  const processor = new WebhookProcessor(s, {
    webhooks,
    apply: new WebhookApplyRepo(s.store, window.observer),
    circuit,
    kickRelay: () => relayLoop.kick(),
    kickSender,
    pressure,
    quotes: new QuoteRepo(s.store.db),
    customers,
  });
  const processorLoop = new PollingLoop('meta-webhook-processor', tuning.pollMs, () => processor.tick(), s.logger);
  const probeLoop = new PollingLoop('channel-probe', Math.max(50, Math.min(tuning.pollMs * 10, Math.floor(tuning.probeIntervalMs / 2))), () => prober.tick(), s.logger);

  const tickRepo = new DeliveryTickRepo(db);
  const ticks = new DeliveryTicks(s, tickRepo, tuning);
  const ticksLoop = new PollingLoop('delivery-ticks', tuning.ticksPollMs, () => ticks.tick(), s.logger);

  const retention = new RetentionPruner(s, pressure);
  const loops = [processorLoop, relayLoop, senderLoop, reengageLoop, probeLoop, retention.worker(), ...(s.config.deliveryTicks === 'off' ? [] : [ticksLoop])];
  let stopped = true;
  let starting: Promise<void> | undefined;
  const worker: Worker = {
    name: 'whatsapp-channel',
    start() {
      stopped = false;
      starting = (async () => {
        // SQLite serves a single process: any lease in the file is a dead process's.
        // (On PostgreSQL other instances may be alive; expired leases are reclaimed by claim().)
        if (s.store.engine === 'sqlite') {
          await outbox.releaseAll(s.clock.now());
          await inbound.releaseAll();
        }
        await circuit.refresh();
        await spool.sweep();
      })()
        .catch((err) => s.logger.error({ err: { message: (err as Error)?.message } }, 'channel start-up recovery failed'))
        .finally(() => {
          // A stop() that came during recovery wins: loops started now would never be stopped.
          if (!stopped) loops.forEach((l) => l.start());
        });
    },
    async stop() {
      stopped = true;
      await starting;
      await Promise.allSettled(loops.map((l) => l.stop()));
      // Sends already started finish (and record Meta's answer) before we let go.
      await sender.drain();
      await limiters.stop();
      // Give back unfinished claims so the next process need not wait for the lease.
      await Promise.allSettled([sender.releaseOwned(), relay.releaseOwned(), tickRepo.giveUpTurn(s.instanceId)]);
    },
  };
  const control = new ChannelControlImpl(state, incidents, outbox, kickSender);
  s.events.on('token.changed', async (e) => {
    // A new token cannot undo Meta cutting the account off; only ACCOUNT_RECONNECTED does.
    await circuit.resume(e.tenantId, 'token changed', 'account_update');
  });
  s.events.on('outbox.enqueued', () => kickSender());
  s.events.on('webhook.stored', (e) => {
    pressure.note(e.workMs);
    processorLoop.kick();
  });
  s.events.on('message.failed', replyFailureNotice(s));

  const intake = metaWebhookIntake({ s, writer: new WebhookBatchWriter(s.store), onStored: (workMs) => s.events.emit('webhook.stored', { workMs }) });
  const routes = (app: Express) => {
    metaWebhookVerifyRoute(app, s.tenants);
    giosgReplyRoutes(app, s, window.gate, (tenantId) => s.events.emit('outbox.enqueued', { tenantId }));
  };
  const idle = async () => {
    for (let pass = 0; pass < 2; pass++) {
      await starting;
      for (const loop of [processorLoop, relayLoop, senderLoop, reengageLoop]) await loop.whenIdle();
      await sender.drain();
    }
  };
  return { control, intake, routes, workers: [worker], idle, retention };
}
