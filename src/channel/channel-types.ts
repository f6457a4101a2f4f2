// What the rest of the service (bot, links, playground) may ask of the channel.
export interface ChannelStatus {
  tenantId: string;
  paused: boolean;
  pausedReason: string | null;
  pausedSince: number | null;
  /** The open incident's class: token | permission | account | account_update */
  incidentKind: string | null;
  incidentId: number | null;
  fixableByToken: boolean | null;
  lastSuccessAt: number | null;
  queued: number;
  failed: number;
}

export interface ChannelControl {
  status(tenantId: string): Promise<ChannelStatus>;
  /** Wake the sender for a tenant now (after a token swap, say). */
  kick(tenantId: string): void;
}
