// Sends an agent's attachment: giosg's file streamed into a spool file (Meta's limit for
// its type enforced while it streams), uploaded to Meta (POST /{phone-number-id}/media) and
// sent by the uploaded id with its caption. Graph errors travel on to the sender, which
// treats them like a text send's (an auth error pauses the channel, the row is kept).
// A file WhatsApp cannot take raises MediaRefused: that one reply fails with a notice.
import type { Services } from '../../services';
import type { Tenant } from '../../vault/tenants';
import type { OutboxRow } from '../../store/outbox-repo';
import type { MetaMediaClient } from '../../meta/media-client';
import { TooLargeError } from '../../http/stream-transfer';
import { GiosgUploads } from '../../giosg/uploads';
import { GiosgError } from '../../giosg/client';
import { translator } from '../../i18n';
import { humanSize, type MediaSpool } from './spool';
import { limitFor, openRef } from './outbound-media-ref';
import type { TransferSlots } from './transfer-slots';

/** The attachment cannot go to WhatsApp as it is; `reason` is the agent's notice, localized. */
export class MediaRefused extends Error {
  constructor(readonly reason: string) {
    super('attachment refused');
    this.name = 'MediaRefused';
  }
}

export class OutboundMedia {
  constructor(
    private readonly s: Services,
    private readonly spool: MediaSpool,
    private readonly media: MetaMediaClient,
    private readonly slots: TransferSlots,
  ) {}

  send(tenant: Tenant, row: OutboxRow, token: string): Promise<{ wamid: string }> {
    return this.slots.run(() => this.transfer(tenant, row, token));
  }

  private async transfer(tenant: Tenant, row: OutboxRow, token: string): Promise<{ wamid: string }> {
    const ref = openRef(this.s.box, tenant.id, row.source_id, row.media!);
    const t = translator(tenant.defaultLocale);
    const limit = limitFor(ref.kind);
    const file = await this.spool.file();
    try {
      let got;
      try {
        got = await new GiosgUploads({ baseUrl: this.s.config.giosgBaseUrl, apiToken: tenant.giosgApiToken }).download(ref.url, file.path, limit);
      } catch (err) {
        if (err instanceof TooLargeError) throw new MediaRefused(t('media:out.tooLarge', { filename: ref.filename, size: humanSize(err.sizeBytes ?? limit + 1), limit: humanSize(limit) }));
        // giosg says the file is not there (or not ours): retrying will not bring it.
        if (err instanceof GiosgError && err.kind === 'client') throw new MediaRefused(t('media:out.failed', { filename: ref.filename, reason: err.message }));
        throw err;
      }
      const mediaId = await this.media.upload({
        phoneNumberId: tenant.phoneNumberId,
        token,
        appSecret: tenant.metaAppSecret,
        file: { path: file.path, filename: ref.filename, contentType: ref.mimeType, size: got.bytes },
      });
      return await this.media.sendMedia({
        phoneNumberId: tenant.phoneNumberId,
        token,
        appSecret: tenant.metaAppSecret,
        to: row.recipient,
        kind: ref.kind,
        mediaId,
        caption: row.body || undefined,
        filename: ref.filename,
      });
    } finally {
      await file.discard();
    }
  }
}
