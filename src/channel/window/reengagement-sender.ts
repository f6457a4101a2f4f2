// Sends the re-engagement template a held reply opened (window-gate.ts): the only message
// Meta lets through outside the customer's 24-hour window. Claimed under a lease like an
// outbox row, sent through the phone number's rate limiter with the token read from the
// vault on that attempt, and Meta's answer acted on by class:
//   token / permission / account → the channel pauses like a failed reply; the row waits
//   throttled / transient        → retried with backoff
//   message (template errors)    → the next configured template is tried; with none left
//                                  the row fails, and the agent (in their chat) and the
//                                  admins (alert chat) are told why, by Meta's code
// The held replies stay held either way: only the customer's answer releases them.
import type { Services } from '../../services';
import type { ChannelTuning } from '../../config';
import type { Tenant } from '../../vault/tenants';
import type { ReengagementRepo } from '../../store/reengagement-repo';
import type { ReengagementRow, WindowRepo } from '../../store/window-repo';
import type { ReengagementTemplateRepo } from '../../store/reengagement-template-repo';
import type { ChannelCircuit } from '../outbound/circuit';
import type { PhoneRateLimiters } from '../outbound/rate-limiters';
import type { WindowNotices } from './window-notice';
import type { WindowMetrics } from './window-metrics';
import { GraphError } from '../../meta/graph-errors';
import { PAUSING_CLASSES, TOKEN_FIXABLE } from '../../meta/error-classes';
import { tokenCause } from '../../meta/token-causes';
import { templateProblem, anotherTemplateMayWork } from '../../meta/template-errors';
import { backoffMs } from '../backoff';
import type { CustomerKeys } from '../inbound/customer-keys';
import { translator } from '../../i18n';
import { fillParams, parseStoredParams } from './template-params';

const BATCH = 20;
/** How soon a template waiting on a paused channel is looked at again. */
const PAUSED_RECHECK_MS = 5000;

export class ReengagementSender {
  constructor(
    private readonly s: Services,
    private readonly repo: ReengagementRepo,
    private readonly window: WindowRepo,
    private readonly templates: ReengagementTemplateRepo,
    private readonly circuit: ChannelCircuit,
    private readonly limiters: PhoneRateLimiters,
    private readonly notices: WindowNotices,
    private readonly metrics: WindowMetrics,
    private readonly tuning: ChannelTuning,
    /** Where a thread's messages go: its newest phone or its BSUID (channel/inbound/customer-keys.ts). */
    private readonly customers?: CustomerKeys,
  ) {}

  async tick(): Promise<boolean> {
    await this.circuit.refresh();
    const now = this.s.clock.now();
    const rows = await this.repo.claim(this.s.instanceId, now, this.tuning.leaseMs, BATCH);
    let worked = false;
    await Promise.all(
      rows.map(async (row) => {
        try {
          if (await this.sendOne(row)) worked = true;
        } catch (err) {
          const e = err as Error;
          this.s.logger.error({ reengagement: row.id, err: { name: e?.name, message: e?.message } }, 're-engagement bookkeeping failed; the lease will expire and it is retried');
        }
      }),
    );
    return worked;
  }

  /** True when Meta was asked (the loop then looks again at once). */
  private async sendOne(row: ReengagementRow): Promise<boolean> {
    const owner = this.s.instanceId;
    const tenant = await this.s.tenants.get(row.tenant_id);
    const now = this.s.clock.now();
    if (!tenant || this.circuit.isPaused(tenant.id)) {
      // Paused: looked at again shortly (a resume on another instance wakes no loop here),
      // not after the probe interval, so the template goes soon after a swap. The attempt is given back.
      await this.repo.retryLater(row.id, owner, now + Math.min(PAUSED_RECHECK_MS, this.tuning.probeIntervalMs), null, now, true);
      return false;
    }
    let versionId: number | null = null;
    try {
      const { wamid } = await this.limiters.for(tenant.phoneNumberId).schedule(async () => {
        const current = await this.s.vault.current(tenant.id);
        if (!current) throw new GraphError('no WhatsApp token in the vault', undefined, 190, undefined, 'No WhatsApp access token is stored for this channel', undefined);
        versionId = current.versionId;
        return this.s.graph.sendTemplate({
          phoneNumberId: tenant.phoneNumberId,
          token: current.token,
          appSecret: tenant.metaAppSecret,
          to: this.customers ? await this.customers.addressOf(tenant.id, row.recipient) : row.recipient,
          name: row.template_name ?? '',
          language: row.template_language ?? '',
          bodyParams: row.params ? (JSON.parse(row.params) as string[]) : [],
        });
      });
      if (await this.repo.markSent(row.id, owner, wamid, this.s.clock.now())) {
        this.metrics.templates.inc({ result: 'sent' });
        this.s.logger.info({ tenant: tenant.id, reengagement: row.id, template: row.template_name }, 're-engagement template sent');
      }
    } catch (err) {
      await this.onError(tenant, row, err, versionId);
    }
    return true;
  }

  private async onError(tenant: Tenant, row: ReengagementRow, err: unknown, usedVersion: number | null): Promise<void> {
    const owner = this.s.instanceId;
    const now = this.s.clock.now();
    if (!(err instanceof GraphError)) {
      const e = err as Error;
      this.s.logger.error({ tenant: tenant.id, reengagement: row.id, err: { name: e?.name, message: e?.message } }, 're-engagement send failed unexpectedly; retrying');
      await this.repo.retryLater(row.id, owner, now + backoffMs(row.attempts, this.tuning), { code: null, reason: e?.message ?? 'error' }, now);
      return;
    }
    const cls = err.errorClass;
    this.metrics.templates.inc({ result: cls });
    if (PAUSING_CLASSES.has(cls)) {
      const current = await this.s.vault.current(tenant.id).catch(() => null);
      if (!(usedVersion !== null && current && current.versionId !== usedVersion && TOKEN_FIXABLE.has(cls))) {
        const cause = TOKEN_FIXABLE.has(cls) ? tokenCause({ code: err.code, subcode: err.subcode, message: err.message }) : null;
        await this.circuit.trip(tenant.id, { kind: cls, fixableByToken: TOKEN_FIXABLE.has(cls) && cause !== 'app_secret_changed', reason: err.reason, metaCode: err.code ?? null, tokenCause: cause });
      }
      await this.repo.retryLater(row.id, owner, now, { code: err.code ?? null, reason: err.reason }, now, true);
      return;
    }
    if (cls !== 'message') {
      await this.repo.retryLater(row.id, owner, now + backoffMs(row.attempts, this.tuning, err.code), { code: err.code ?? null, reason: err.reason }, now);
      return;
    }
    const problem = templateProblem(err.code);
    const error = { code: err.code ?? null, reason: err.reason };
    if (anotherTemplateMayWork(problem)) {
      const next = await this.nextTemplate(tenant, row);
      if (next && (await this.repo.switchTemplate(row.id, owner, next, error, now))) {
        this.s.logger.info({ tenant: tenant.id, reengagement: row.id, failed: row.template_name, next: next.name, metaCode: err.code }, 'Meta refused the re-engagement template; trying the next one');
        this.s.events.emit('template.failed', { tenantId: tenant.id, template: row.template_name ?? '', language: row.template_language ?? '', code: err.code ?? null, reason: err.reason, problem, next: next.name });
        return;
      }
    }
    if (!(await this.repo.markFailed(row.id, owner, error, now))) return;
    await this.failed(tenant, row, err.code ?? null, err.reason, problem);
  }

  /** Told to the agent and the admins once per failed re-engagement (also for a failed status, window-observer.ts). */
  async failed(tenant: Tenant, row: ReengagementRow, code: number | null, reason: string, problem = templateProblem(code)): Promise<void> {
    this.s.logger.warn({ tenant: tenant.id, reengagement: row.id, template: row.template_name, metaCode: code, problem }, 're-engagement template failed; the held replies wait for the customer');
    const t = translator(tenant.defaultLocale);
    await this.notices.say(tenant, row.giosg_chat_id, 'templateFailedAgent', { template: row.template_name ?? '', why: t(`window:templateError.${problem}`, { code: code ?? '—' }) });
    this.s.events.emit('template.failed', { tenantId: tenant.id, template: row.template_name ?? '', language: row.template_language ?? '', code, reason, problem, next: null });
  }

  /** The configured template after the one that failed, with its parameters filled from the first held reply. */
  private async nextTemplate(tenant: Tenant, row: ReengagementRow): Promise<{ name: string; language: string; params: string[] } | null> {
    const list = await this.templates.list(tenant.id);
    const at = list.findIndex((t) => t.name === row.template_name && t.language === row.template_language);
    const next = at >= 0 ? list[at + 1] : undefined;
    if (!next) return null;
    const [held] = await this.window.heldFor(this.s.store.db, tenant.id, row.recipient, 1);
    const w = await this.window.window(tenant.id, row.recipient);
    const t = translator(tenant.defaultLocale);
    return { name: next.name, language: next.language, params: fillParams(parseStoredParams(next.params), held?.body ?? '', w?.profile_name ?? null, t('window:customerFallbackName')) };
  }
}
