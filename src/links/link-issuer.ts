// Issues one-time links for the bot. The id is returned once, inside the URL, and never stored.
import { z } from 'zod';
import type { Clock } from '../clock';
import { normalizeLocale } from '../i18n';
import type { LinkRepo } from '../store/link-repo';
import type { IssueLinkRequest, IssuedLink, LinkIssuer } from './link-types';
import { hashLinkId, newLinkId } from './link-id';

const issueRequest = z.object({
  tenantId: z.string().min(1).max(200),
  adminUserId: z.string().min(1).max(200),
  chatId: z.string().min(1).max(200),
  locale: z.string().max(35),
  kind: z.enum(['token', 'app_secret']).default('token'),
});

const DAY_MS = 24 * 3_600_000;

export class LinkService implements LinkIssuer {
  constructor(
    private readonly repo: LinkRepo,
    private readonly clock: Clock,
    private readonly o: { publicBaseUrl: string; ttlMs: number; tenantExists: (id: string) => Promise<boolean> },
  ) {}

  async issue(req: IssueLinkRequest): Promise<IssuedLink> {
    const r = issueRequest.parse(req);
    if (!(await this.o.tenantExists(r.tenantId))) throw new Error(`cannot issue a link for unknown tenant ${r.tenantId}`);
    const id = newLinkId();
    const now = this.clock.now();
    const expiresAt = now + this.o.ttlMs;
    await this.repo.insert({
      idHash: hashLinkId(id),
      tenantId: r.tenantId,
      adminUserId: r.adminUserId,
      chatId: r.chatId,
      locale: normalizeLocale(r.locale),
      kind: r.kind,
      createdAt: now,
      expiresAt,
    });
    // Housekeeping without a worker: links are worthless a day after they expire.
    await this.repo.deleteExpiredBefore(now - DAY_MS);
    return { url: `${this.o.publicBaseUrl}/t/${id}`, expiresAt };
  }
}
