// A customer's photo, voice note, video, document or sticker on its way into giosg:
// Meta's media id → GET /{media-id} with the tenant's current token → the short-lived
// URL downloaded with the same token into a spool file (Meta's size limit enforced before
// and during the download) → a giosg Upload → the UMI intake message carries it, with the
// caption (or a line naming the media) as its text and the customer's filename kept.
//
// Failures:
//   token / permission / account (lookup or download) → the same incident as a failed
//     send: the channel pauses, admins are alerted and offered renewal; this message is
//     held (its customer's later messages wait behind it) and goes on after the swap;
//   a file over Meta's limit → the message still reaches giosg, with a notice instead of the file;
//   everything else (network, 5xx, an expired URL, giosg refusing the upload) → thrown,
//     and the relay retries with backoff; Meta's "this media" errors give up after a few
//     tries with a notice, so a lost file never blocks the customer's later messages.
import type { Services } from '../../services';
import type { Tenant } from '../../vault/tenants';
import type { InboundRow } from '../../store/inbound-repo';
import type { ChannelCircuit } from '../outbound/circuit';
import type { UmiAttachment } from '../../giosg/assumed-shapes';
import type { MetaMediaClient } from '../../meta/media-client';
import { GraphError } from '../../meta/graph-errors';
import { PAUSING_CLASSES, TOKEN_FIXABLE } from '../../meta/error-classes';
import { MAX_MEDIA_BYTES, baseMime, type MediaKind } from '../../meta/media-limits';
import { TooLargeError } from '../../http/stream-transfer';
import { GiosgUploads } from '../../giosg/uploads';
import { translator } from '../../i18n';
import { parseMediaRef, type MediaRef } from './media-ref';
import { frameLines } from '../inbound/inbound-text';
import { humanSize, type MediaSpool } from './spool';
import type { TransferSlots } from './transfer-slots';
import type { TFunction } from 'i18next';

export type PreparedIntake = { held: false; text: string; attachments?: UmiAttachment[] } | { held: true };

/** Meta refused this media itself (a wrong or deleted id): tries before the agent gets a notice instead. */
const GIVE_UP_AFTER_ATTEMPTS = 3;

const EXT: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'video/mp4': 'mp4',
  'video/3gpp': '3gp',
  'audio/ogg': 'ogg',
  'audio/mpeg': 'mp3',
  'audio/mp4': 'm4a',
  'audio/aac': 'aac',
  'audio/amr': 'amr',
  'application/pdf': 'pdf',
};

export class InboundMedia {
  private readonly uploads = new Map<string, { token: string; client: GiosgUploads }>();

  constructor(
    private readonly s: Services,
    private readonly circuit: ChannelCircuit,
    private readonly spool: MediaSpool,
    private readonly media: MetaMediaClient,
    private readonly slots: TransferSlots,
  ) {}

  async prepare(row: InboundRow, tenant: Tenant): Promise<PreparedIntake> {
    const ref = row.media ? parseMediaRef(row.media) : null;
    if (!ref) return { held: false, text: row.text };
    // While the channel is paused the token is known bad: asking Meta again only adds noise.
    if (this.circuit.isPaused(tenant.id)) return { held: true };
    const t = translator(tenant.defaultLocale);
    const limit = MAX_MEDIA_BYTES[ref.kind];
    const current = await this.s.vault.current(tenant.id);
    try {
      if (!current) throw new GraphError('no WhatsApp token in the vault', undefined, 190, undefined, 'No WhatsApp access token is stored for this channel', undefined);
      const info = await this.media.lookup({ mediaId: ref.id, phoneNumberId: tenant.phoneNumberId, token: current.token, appSecret: tenant.metaAppSecret });
      if (info.fileSize !== undefined && info.fileSize > limit) return this.notice(row, t('media:tooLarge', { size: humanSize(info.fileSize), limit: humanSize(limit) }));
      // The URL lives ~5 minutes: a transfer waiting for a slot longer than that gets a 404, and the retry a fresh URL.
      return await this.slots.run(() => this.transfer(row, tenant, ref, { url: info.url, mimeType: info.mimeType }, current.token, limit, t));
    } catch (err) {
      if (err instanceof TooLargeError) return this.notice(row, t('media:tooLarge', { size: humanSize(err.sizeBytes ?? limit + 1), limit: humanSize(limit) }));
      if (!(err instanceof GraphError)) throw err;
      const cls = err.errorClass;
      if (PAUSING_CLASSES.has(cls)) {
        // A token swapped in while this download was under way: the failure is the old token's.
        const now = await this.s.vault.current(tenant.id).catch(() => null);
        if (current && now && now.versionId !== current.versionId && TOKEN_FIXABLE.has(cls)) throw err;
        this.s.logger.warn({ tenant: tenant.id, inbound: row.id, class: cls, metaCode: err.code ?? null }, 'media download refused; pausing the channel');
        await this.circuit.trip(tenant.id, { kind: cls, fixableByToken: TOKEN_FIXABLE.has(cls), reason: err.reason, metaCode: err.code ?? null });
        return { held: true };
      }
      if (cls === 'message' && row.attempts + 1 >= GIVE_UP_AFTER_ATTEMPTS) return this.notice(row, t('media:unavailable', { reason: err.reason }));
      throw err;
    }
  }

  private async transfer(row: InboundRow, tenant: Tenant, ref: MediaRef, info: { url: string; mimeType?: string }, token: string, limit: number, t: TFunction): Promise<PreparedIntake> {
    const file = await this.spool.file();
    try {
      const got = await this.media.download({ url: info.url, token, dest: file.path, maxBytes: limit });
      const mime = baseMime(info.mimeType ?? ref.mimeType ?? got.contentType ?? 'application/octet-stream');
      const filename = ref.filename?.trim() || defaultFilename(ref.kind, mime, row.wa_message_id);
      const up = await this.uploadsFor(tenant).upload(tenant.giosgOrganizationId, { path: file.path, filename, contentType: mime, size: got.bytes, md5: got.md5 });
      this.s.metrics.relays.inc({ result: 'media' });
      return {
        held: false,
        // A reply's quote and an ad referral stay above the caption.
        text: [...frameLines(row.text), ref.caption?.trim() || receivedLine(ref, filename, t)].join('\n'),
        attachments: [{ upload_id: up.id, file_name: filename, content_type: mime, file_size: got.bytes, url: up.downloadUrl }],
      };
    } finally {
      await file.discard();
    }
  }

  /** The message without its file: what the customer wrote and why the file is missing. */
  private notice(row: InboundRow, line: string): PreparedIntake {
    this.s.metrics.relays.inc({ result: 'media_notice' });
    return { held: false, text: `${row.text}\n${line}` };
  }

  private uploadsFor(tenant: Tenant): GiosgUploads {
    const hit = this.uploads.get(tenant.id);
    if (hit && hit.token === tenant.giosgApiToken) return hit.client;
    const client = new GiosgUploads({ baseUrl: this.s.config.giosgBaseUrl, apiToken: tenant.giosgApiToken });
    this.uploads.set(tenant.id, { token: tenant.giosgApiToken, client });
    return client;
  }
}

function receivedLine(ref: MediaRef, filename: string, t: TFunction): string {
  if (ref.kind === 'audio' && ref.voice) return t('media:received.voice');
  return t(`media:received.${ref.kind}`, { filename });
}

function defaultFilename(kind: MediaKind, mime: string, wamid: string): string {
  const tail = wamid.replace(/[^A-Za-z0-9]/g, '').slice(-8) || 'file';
  return `${kind}-${tail}.${EXT[mime] ?? 'bin'}`;
}
