// What the dialogs need from the rest of the service, as a small interface so dialogs
// stay testable and Botkit stays replaceable.
import type { Clock } from '../clock';
import type { Locale } from '../i18n';
import type { IssuedLink, IssueLinkRequest } from '../links/link-types';
import type { RollbackOutcome } from '../vault/token-vault';

export interface DialogDeps {
  clock: Clock;
  /** The Meta app's name from the tenant's config, when known. */
  appName(tenantId: string): Promise<string | null>;
  /** Throws when no link service is available or it fails. */
  issueLink(req: IssueLinkRequest): Promise<IssuedLink>;
  statusText(tenantId: string, locale: Locale): Promise<string>;
  currentFingerprint(tenantId: string): Promise<string | null>;
  rollback(tenantId: string, actor: string): Promise<RollbackOutcome>;
  /** After a rollback the sender should try the held messages at once. */
  kick(tenantId: string): void;
}
