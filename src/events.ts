// In-process events between the channel, the vault and the bot. Cross-instance news
// (token swaps) travels through the database; these events stay inside one process.
import { EventEmitter } from 'node:events';

export interface IncidentEvent {
  tenantId: string;
  incidentId: number;
  kind: string;
  fixableByToken: boolean;
  reason: string | null;
  metaCode: number | null;
  openedAt: number;
}

export interface ChannelEvents {
  'incident.opened': IncidentEvent;
  'incident.resolved': IncidentEvent & { resolvedAt: number; heldDelivered: number };
  'token.changed': { tenantId: string; versionId: number | null; actor: string };
  'message.failed': { tenantId: string; outboxId: number; giosgChatId: string | null; code: number | null; reason: string };
  'outbox.enqueued': { tenantId: string };
  /** Meta refused a re-engagement template (`next`: the template tried instead, null when none is left). */
  'template.failed': { tenantId: string; template: string; language: string; code: number | null; reason: string; problem: string; next: string | null };
  /**
   * Meta webhooks were committed by the fast path (src/http/server.ts): wake the processor.
   * At most one per event-loop turn; `workMs` = the event loop's time spent on the requests
   * since the last one (checks, commits, answers).
   */
  'webhook.stored': { workMs: number };
  'account.cutoff': { tenantId: string; event: string; incidentId: number };
  /** Setup: the Meta app secret arrived through its one-time link and is stored (never carried here). */
  'app_secret.stored': { tenantId: string; chatId: string; adminUserId: string; locale: string };
  /** A token arrived through a one-time link and is live: the bot confirms in that chat. */
  'token.swapped': {
    tenantId: string;
    versionId: number;
    actor: string;
    chatId: string | null;
    locale: string;
    verifiedName: string | null;
    displayPhoneNumber: string | null;
    expiresAt: number | null;
  };
}

export class ChannelEventBus {
  private readonly emitter = new EventEmitter();
  constructor() {
    this.emitter.setMaxListeners(100);
  }
  on<K extends keyof ChannelEvents>(name: K, fn: (e: ChannelEvents[K]) => void | Promise<void>): () => void {
    // Listeners run detached: a failing listener must never break the emitter's caller.
    const wrapped = (e: ChannelEvents[K]) => {
      Promise.resolve()
        .then(() => fn(e))
        .catch((err) => this.emitter.emit('listener.error', { name, err }));
    };
    this.emitter.on(name, wrapped);
    return () => this.emitter.off(name, wrapped);
  }
  emit<K extends keyof ChannelEvents>(name: K, e: ChannelEvents[K]): void {
    this.emitter.emit(name, e);
  }
  onListenerError(fn: (info: { name: string; err: unknown }) => void): void {
    this.emitter.on('listener.error', fn);
  }
}
