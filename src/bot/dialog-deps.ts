// What the dialogs need from the rest of the service, as a small interface so dialogs
// stay testable and Botkit stays replaceable.
import type { Clock } from '../clock';
import type { Locale } from '../i18n';
import type { IssuedLink, IssueLinkRequest } from '../links/link-types';
import type { RollbackOutcome } from '../vault/token-vault';
import type { CatalogTemplate, ChooseOutcome } from '../channel/window/template-catalog';
import type { TemplateChoice } from '../channel/window/template-params';

export interface DialogDeps {
  clock: Clock;
  /** The Meta app's name from the tenant's config, when known. */
  appName(tenantId: string): Promise<string | null>;
  /** Throws when no link service is available or it fails. */
  issueLink(req: IssueLinkRequest): Promise<IssuedLink>;
  statusText(tenantId: string, locale: Locale): Promise<string>;
  currentFingerprint(tenantId: string): Promise<string | null>;
  rollback(tenantId: string, actor: string): Promise<RollbackOutcome>;
  /** The WABA's templates from Meta and the current re-engagement choice; `error` when Meta could not be asked. */
  templates(tenantId: string): Promise<{ ok: true; catalog: CatalogTemplate[]; chosen: TemplateChoice[] } | { ok: false; error: string }>;
  /** Checks a re-engagement choice against Meta's catalog and, when it passes, makes it the only one. */
  chooseTemplate(tenantId: string, choice: TemplateChoice, actor: string): Promise<ChooseOutcome>;
  /** After a rollback the sender should try the held messages at once. */
  kick(tenantId: string): void;
}
