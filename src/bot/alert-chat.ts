// Where alerts go: one chat per tenant that the bot opens with the admin team invited,
// reused for later alerts; opened again when giosg no longer knows it.
import { GiosgError, type GiosgClient } from '../giosg/client';
import type { BotAlertRepo } from '../store/bot-alerts';
import type { Tenant } from '../vault/tenants';
import type { Clock } from '../clock';
import type { Logger } from '../log';
import type { BotSay, BotSpeaker } from './speaker';

export class AlertChats {
  constructor(
    private readonly repo: BotAlertRepo,
    private readonly giosgFor: (t: Tenant) => GiosgClient,
    private readonly speaker: BotSpeaker,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Says the message in the tenant's alert chat; returns the chat id used. */
  async deliver(tenant: Tenant, m: BotSay): Promise<string> {
    const known = await this.repo.alertChat(tenant.id);
    if (known) {
      try {
        await this.speaker.say(tenant, known, m);
        return known;
      } catch (err) {
        // Gone (closed or deleted in giosg): open a fresh chat below. Anything else is raised.
        if (!(err instanceof GiosgError && err.kind === 'client' && (err.status === 404 || err.status === 410))) throw err;
        this.logger.warn({ tenant: tenant.id }, 'alert chat no longer exists in giosg; opening a new one');
      }
    }
    const chatId = await this.open(tenant);
    await this.speaker.say(tenant, chatId, m);
    return chatId;
  }

  private async open(tenant: Tenant): Promise<string> {
    const client = this.giosgFor(tenant);
    const { id } = await client.createChat(tenant.giosgBotUserId);
    if (tenant.giosgAdminTeamId) await client.inviteTeam(tenant.giosgBotUserId, id, tenant.giosgAdminTeamId);
    else this.logger.warn({ tenant: tenant.id }, 'no GIOSG_ADMIN_TEAM_ID for this tenant: the alert chat has nobody invited');
    await this.repo.setAlertChatOf(tenant.id, id, this.clock.now());
    return id;
  }
}
