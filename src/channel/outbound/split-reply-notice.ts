// Tells the agent, once, that their reply was too long for one WhatsApp message and goes
// out as several: since per-message pricing each part is charged on its own. Posted as the
// bot user in the chat the reply came from, after giosg's webhook is answered. Best effort
// like the failure notice: the reply itself is already safe in the outbox.
import type { Services } from '../../services';
import type { Tenant } from '../../vault/tenants';
import { translator } from '../../i18n';
import { MAX_WHATSAPP_TEXT } from '../../meta/limits';

export async function splitReplyNotice(s: Services, tenant: Tenant, giosgChatId: string | null, parts: number): Promise<boolean> {
  if (!giosgChatId || parts < 2) return false;
  const t = translator(tenant.defaultLocale);
  const message = t('delivery:split', { parts, max: MAX_WHATSAPP_TEXT.toLocaleString(tenant.defaultLocale === 'en' ? 'en-GB' : tenant.defaultLocale) });
  try {
    await s.giosgFor(tenant).postChatMessage(tenant.giosgBotUserId, giosgChatId, { message });
    return true;
  } catch (err) {
    const e = err as Error;
    s.logger.warn({ tenant: tenant.id, err: { name: e?.name, message: e?.message } }, 'could not tell the agent that a reply was split');
    return false;
  }
}
