// Mutable world of the giosg simulator. Arrays exposed on the GiosgSim handle are cleared
// in place on reset so references held by tests stay live.
import { randomUUID } from 'node:crypto';
import type { LoggedRequest } from './request-log';
import { AppWorld } from './giosg-app';
import type { ChatMessage, GiosgMode, MessageResource, SimChat, UmiChannel, UmiMessage } from './giosg-types';

export const DEFAULT_ROOM_ID = 'sandbox-room';

export class GiosgState {
  readonly umiChannels: UmiChannel[] = [];
  readonly umiMessages: UmiMessage[] = [];
  readonly chatMessages: ChatMessage[] = [];
  readonly adminMessages: MessageResource[] = [];
  readonly chats: SimChat[] = [];
  /** Every message in every chat, in order: what GET .../messages lists. */
  readonly timeline: MessageResource[] = [];
  readonly requests: LoggedRequest[] = [];
  /** Installed giosg App organizations, their bot tokens and webhook subscriptions. */
  readonly app = new AppWorld();
  mode: GiosgMode = 'ok';
  retryAfterSec = 1;
  botWebhook: string | undefined;
  private failures: { remaining: number; status: number } | undefined;
  private lostAnswers: { remaining: number; how: 'drop' | number } | undefined;
  /** UMI intake dedupe by channel + external_message_id: a scan of umiMessages per request made the simulator, not our service, the bottleneck under load. */
  private readonly umiByExternalId = new Map<string, UmiMessage>();

  constructor(
    readonly orgId: string,
    readonly botUserId: string,
  ) {}

  chat(id: string): SimChat | undefined {
    return this.chats.find((c) => c.id === id);
  }

  openChat(extra: Partial<SimChat> = {}): SimChat {
    const chat: SimChat = {
      id: randomUUID(),
      created_at: new Date().toISOString(),
      invitedTeams: [],
      invitations: [],
      room_id: DEFAULT_ROOM_ID,
      ...extra,
    };
    this.chats.push(chat);
    return chat;
  }

  addUmiMessage(m: UmiMessage): void {
    this.umiMessages.push(m);
    if (m.external_message_id !== undefined) this.umiByExternalId.set(`${m.channelId}\u0000${m.external_message_id}`, m);
  }

  umiMessageByExternalId(channelId: string, externalId: string): UmiMessage | undefined {
    return this.umiByExternalId.get(`${channelId}\u0000${externalId}`);
  }

  /** The chat UMI keeps for one customer thread, opened on first use. */
  threadChat(channel: UmiChannel, threadId: string): SimChat {
    return (
      this.chats.find((c) => c.umiChannelId === channel.id && c.threadId === threadId) ??
      this.openChat({ room_id: channel.room_id, umiChannelId: channel.id, threadId })
    );
  }

  channel(id: string): UmiChannel | undefined {
    return this.umiChannels.find((c) => c.id === id);
  }

  failNext(n: number, status: number): void {
    this.failures = n > 0 ? { remaining: n, status } : undefined;
  }

  takeFailure(): number | undefined {
    if (!this.failures) return undefined;
    const { status } = this.failures;
    if (--this.failures.remaining <= 0) this.failures = undefined;
    return status;
  }

  loseNextAnswers(n: number, how: 'drop' | number): void {
    this.lostAnswers = n > 0 ? { remaining: n, how } : undefined;
  }

  takeLostAnswer(): 'drop' | number | undefined {
    if (!this.lostAnswers) return undefined;
    const { how } = this.lostAnswers;
    if (--this.lostAnswers.remaining <= 0) this.lostAnswers = undefined;
    return how;
  }

  reset(): void {
    for (const list of [
      this.umiChannels,
      this.umiMessages,
      this.chatMessages,
      this.adminMessages,
      this.chats,
      this.timeline,
      this.requests,
    ] as unknown[][]) {
      list.length = 0;
    }
    this.umiByExternalId.clear();
    this.app.reset();
    this.mode = 'ok';
    this.retryAfterSec = 1;
    this.botWebhook = undefined;
    this.failures = undefined;
    this.lostAnswers = undefined;
  }
}
