// Tells the agent, in the giosg chat where they wrote it, that a reply could not be
// delivered (Meta refused that one message). One localized line, posted as the bot user.
import type { Services } from '../../services';
import type { ChannelEvents } from '../../events';
import { translator } from '../../i18n';
import { GiosgError } from '../../giosg/client';

export function replyFailureNotice(s: Services) {
  return async (e: ChannelEvents['message.failed']): Promise<void> => {
    if (!e.giosgChatId) return;
    const tenant = await s.tenants.get(e.tenantId);
    if (!tenant) return;
    const t = translator(tenant.defaultLocale);
    const message = e.reason ? t('channel:replyFailed', { reason: e.reason }) : t('channel:replyFailedUnknown');
    try {
      await s.giosgFor(tenant).postChatMessage(tenant.giosgBotUserId, e.giosgChatId, { message });
    } catch (err) {
      const ge = err as GiosgError;
      s.logger.warn({ tenant: tenant.id, outbox: e.outboxId, err: { name: ge?.name, message: ge?.message } }, 'could not tell the agent that a reply failed');
    }
  };
}
