// Before a reply goes out, the customer's latest message is marked read with a typing
// indicator: they see blue ticks and "typing…" just before the answer. giosg tells us
// neither that an agent opened the chat nor that one is typing (no such webhook topic), so
// the reply is the moment we know an agent has read the customer.
//
// Once per customer message: a second reply to the same message marks nothing. It runs in
// the reply's rate-limiter turn with the reply's token. Best effort: a failed mark is
// logged and the reply still goes (an auth failure then trips the channel on the send).
import type { Services } from '../../services';
import type { Tenant } from '../../vault/tenants';
import type { ReadMarkRepo } from '../../store/read-mark-repo';
import { GraphError } from '../../meta/graph-errors';

/** Well inside the send's lease guard (sender.ts), which also has to fit the send itself. */
const READ_TIMEOUT_MS = 3000;

export class ReadMarker {
  constructor(
    private readonly s: Services,
    private readonly repo: ReadMarkRepo,
  ) {}

  async beforeReply(tenant: Tenant, recipient: string, token: string): Promise<void> {
    if (!this.s.config.markRead) return;
    try {
      const wamid = await this.repo.unmarked(tenant.id, recipient);
      if (!wamid) return;
      await this.s.graph.markRead({ phoneNumberId: tenant.phoneNumberId, token, appSecret: tenant.metaAppSecret, messageId: wamid, typing: true, timeoutMs: READ_TIMEOUT_MS });
      await this.repo.marked(tenant.id, recipient, wamid);
      this.s.metrics.readMarks.inc({ result: 'ok' });
    } catch (err) {
      const e = err as GraphError;
      this.s.metrics.readMarks.inc({ result: 'failed' });
      this.s.logger.info({ tenant: tenant.id, metaCode: e instanceof GraphError ? e.code : undefined, err: { name: e?.name, message: e?.message } }, 'could not mark the customer message read; the reply goes anyway');
    }
  }
}
