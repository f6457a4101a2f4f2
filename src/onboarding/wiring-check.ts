// The Meta wiring check: after setup and after every token swap, with the tenant's current
// token, (a) the app is subscribed to the WABA's webhooks (subscribed here when it is not,
// and the admin told), (b) the phone number is registered and healthy, (c) our own webhook
// callback answers Meta's verification handshake at the public URL. Each finding is stored
// per tenant (wiring_checks) and shown by the bot's `status`; a new problem is told to the
// admins. Meta being unreachable is "unknown", never a diagnosis: the next swap or the next
// status asks again.
import type { Services } from '../services';
import type { Tenant } from '../vault/tenants';
import { GraphError } from '../meta/graph-errors';
import { webhookHandshake } from '../meta/webhook-handshake';
import { errorSummary } from '../log';
import { WiringRepo } from '../store/wiring-repo';
import { phoneItems } from './wiring-phone';
import { stateOf, type WiringItem, type WiringReport } from './wiring-types';

export type WiringCause = 'setup' | 'token_changed' | 'manual';

export interface WiringListener {
  /** A check found something the admins should hear (the app subscribed now, or a new problem). */
  (tenant: Tenant, report: WiringReport, previous: WiringReport | null): Promise<void>;
}

export class WiringChecker {
  readonly repo: WiringRepo;

  constructor(
    private readonly s: Services,
    private readonly tell: WiringListener,
  ) {
    this.repo = new WiringRepo(s.store.db);
  }

  callbackUrl(tenant: Tenant): string {
    return `${this.s.config.publicBaseUrl}/webhooks/meta/${encodeURIComponent(tenant.id)}`;
  }

  async last(tenantId: string): Promise<WiringReport | null> {
    const row = await this.repo.get(tenantId);
    return row ? (JSON.parse(row.report) as WiringReport) : null;
  }

  /** Runs the three checks; null when the tenant has no Meta side yet (setup not done). `quiet`: the caller tells the admin itself. */
  async check(tenantId: string, cause: WiringCause, o: { quiet?: boolean } = {}): Promise<WiringReport | null> {
    const tenant = await this.s.tenants.get(tenantId);
    if (!tenant || tenant.wabaId === '' || tenant.phoneNumberId === '') return null;
    const current = await this.s.vault.current(tenantId);
    const items: WiringItem[] = [];
    let subscribedNow = false;
    if (!current) {
      items.push({ check: 'subscription', severity: 'unknown', code: 'no_token' }, { check: 'phone', severity: 'unknown', code: 'no_token' });
    } else {
      const creds = { token: current.token, appSecret: tenant.metaAppSecret };
      const sub = await this.subscription(tenant, creds);
      subscribedNow = sub.code === 'subscribed_now';
      items.push(sub, ...(await this.phone(tenant, creds)));
    }
    items.push(await this.webhook(tenant));

    const report: WiringReport = { state: stateOf(items), checkedAt: this.s.clock.now(), items, subscribedNow };
    const previous = await this.last(tenantId);
    await this.repo.save(tenantId, { state: report.state, report: JSON.stringify(report), cause, checkedAt: report.checkedAt });
    this.s.logger.info({ tenant: tenantId, cause, state: report.state, codes: items.map((i) => `${i.check}:${i.code}`) }, 'Meta wiring checked');
    if (!o.quiet && worthTelling(report, previous)) {
      await this.tell(tenant, report, previous).catch((err) => this.s.logger.warn({ tenant: tenantId, err: errorSummary(err) }, 'could not tell the admins about the wiring check'));
    }
    return report;
  }

  private async subscription(tenant: Tenant, creds: { token: string; appSecret: string }): Promise<WiringItem> {
    const detail = { waba: tenant.wabaId, app: tenant.metaAppId };
    try {
      const apps = await this.s.graph.subscribedApps({ wabaId: tenant.wabaId, ...creds });
      if (apps.some((a) => a.id === tenant.metaAppId)) return { check: 'subscription', severity: 'ok', code: 'subscribed', detail };
    } catch (err) {
      return metaFailure('subscription', err, detail);
    }
    try {
      // Without the subscription Meta sends this WABA's messages to nobody: fix it at once.
      if (await this.s.graph.subscribeApp({ wabaId: tenant.wabaId, ...creds })) return { check: 'subscription', severity: 'ok', code: 'subscribed_now', detail };
      return { check: 'subscription', severity: 'error', code: 'subscribe_failed', detail: { ...detail, reason: null } };
    } catch (err) {
      const failed = metaFailure('subscription', err, detail);
      return failed.severity === 'unknown' ? failed : { ...failed, code: 'subscribe_failed' };
    }
  }

  private async phone(tenant: Tenant, creds: { token: string; appSecret: string }): Promise<WiringItem[]> {
    try {
      return phoneItems(await this.s.graph.phoneHealth({ phoneNumberId: tenant.phoneNumberId, ...creds }));
    } catch (err) {
      const failed = metaFailure('phone', err, { phone: tenant.phoneNumberId });
      // Unknown object (100) on the phone id: it is not a number this token can see.
      return [err instanceof GraphError && err.code === 100 ? { ...failed, severity: 'error', code: 'phone_unknown' } : failed];
    }
  }

  private async webhook(tenant: Tenant): Promise<WiringItem> {
    const url = this.callbackUrl(tenant);
    const r = await webhookHandshake(url, tenant.metaVerifyToken);
    if (r.ok) return { check: 'webhook', severity: 'ok', code: 'answered', detail: { url } };
    return { check: 'webhook', severity: 'error', code: r.reason, detail: { url, status: r.status } };
  }
}

function metaFailure(check: 'subscription' | 'phone', err: unknown, detail: Record<string, string | number | null>): WiringItem {
  if (!(err instanceof GraphError)) return { check, severity: 'unknown', code: 'meta_unreachable', detail };
  const reason = err.reason;
  if (err.errorClass === 'transient' || err.errorClass === 'throttled') return { check, severity: 'unknown', code: 'meta_unreachable', detail };
  if (err.errorClass === 'token') return { check, severity: 'unknown', code: 'token_refused', detail: { ...detail, reason } };
  return { check, severity: 'error', code: 'no_access', detail: { ...detail, reason } };
}

/** The app subscribed now, or a problem the last check did not already report. */
function worthTelling(report: WiringReport, previous: WiringReport | null): boolean {
  if (report.subscribedNow) return true;
  const problems = (r: WiringReport | null) => new Set((r?.items ?? []).filter((i) => i.severity === 'error').map((i) => `${i.check}:${i.code}`));
  const before = problems(previous);
  return [...problems(report)].some((p) => !before.has(p));
}
