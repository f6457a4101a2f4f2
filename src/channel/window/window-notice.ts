// Tells the agent, in the giosg chat where they wrote, what happened to a reply the window
// stopped: when the window closed, that the reply is held, and what comes next (a template
// goes out, or an admin must choose one). Posted as the bot user, in the tenant's language.
import type { Services } from '../../services';
import type { Tenant } from '../../vault/tenants';
import type { ReengagementRow } from '../../store/window-repo';
import { translator } from '../../i18n';
import { formatTime } from '../../bot/format';

export type HeldNoticeKind = 'first' | 'more' | 'refused';

export class WindowNotices {
  constructor(private readonly s: Services) {}

  /** One line for a reply that was held; `closedAt` null when only Meta knows (131047 without our own record). */
  async held(tenant: Tenant, chatId: string | null, kind: HeldNoticeKind, closedAt: number | null, open: ReengagementRow | null): Promise<void> {
    const t = translator(tenant.defaultLocale);
    const when = closedAt !== null ? t('window:closedAt', { time: formatTime(tenant.defaultLocale, closedAt) }) : t('window:closedUnknown');
    const head = kind === 'refused' ? t('window:refused', { when }) : kind === 'more' ? t('window:heldMore') : t('window:held', { when });
    let next: string;
    if (!open || open.state === 'no_template') next = t('window:nextNoTemplate');
    else if (open.state === 'failed') next = t('window:nextTemplateFailed', { template: open.template_name ?? '' });
    // A template does not open the window: only the customer's answer does.
    else if (open.state === 'sent') next = t('window:nextTemplateSent', { template: open.template_name ?? '' });
    else next = t('window:nextTemplate', { template: open.template_name ?? '' });
    await this.post(tenant, chatId, kind === 'more' ? head : `${head} ${next}`);
  }

  /** A line of the window feature's, e.g. the held replies went out or a template failed. */
  async say(tenant: Tenant, chatId: string | null, key: string, vars: Record<string, unknown> = {}): Promise<void> {
    await this.post(tenant, chatId, translator(tenant.defaultLocale)(`window:${key}`, vars));
  }

  private async post(tenant: Tenant, chatId: string | null, message: string): Promise<void> {
    if (!chatId) return;
    try {
      await this.s.giosgFor(tenant).postChatMessage(tenant.giosgBotUserId, chatId, { message });
    } catch (err) {
      const e = err as Error;
      this.s.logger.warn({ tenant: tenant.id, err: { name: e?.name, message: e?.message } }, 'could not post a service-window notice to the agent');
    }
  }
}
