// Scheduled check of the live token (the validation pipeline: debug_token + probe), to warn
// admins before the channel breaks: token invalidated, permission removed, expiry within
// 7 days and again within 1 day. A lease row in job_leases makes each tenant's check run
// once per interval across all instances; each warning is sent once per token version.
import { translator } from '../i18n';
import type { TenantService, Tenant } from '../vault/tenants';
import type { TokenVault } from '../vault/token-vault';
import type { TokenValidation } from '../vault/validation-types';
import type { BotAlertRepo } from '../store/bot-alerts';
import type { Clock } from '../clock';
import type { Logger } from '../log';
import type { Worker } from '../worker';
import { errorSummary } from '../log';
import { formatTime, humanDuration } from './format';
import { problemText } from './problems';
import type { AlertChats } from './alert-chat';

const DAY = 86_400_000;
const SCOPE_CODES = new Set(['missing_scope', 'wrong_waba', 'no_asset_access']);

export interface TokenHealthDeps {
  tenants: TenantService;
  vault: TokenVault;
  validation: TokenValidation;
  repo: BotAlertRepo;
  chats: AlertChats;
  clock: Clock;
  logger: Logger;
  intervalMs: number;
  instanceId: string;
}

export type HealthOutcome = 'skipped' | 'no_token' | 'healthy' | 'unreachable' | 'warned' | 'already_warned';

export class TokenHealthCheck {
  constructor(private readonly d: TokenHealthDeps) {}

  async tick(): Promise<void> {
    for (const tenant of await this.d.tenants.list()) {
      await this.check(tenant).catch((err) => this.d.logger.warn({ tenant: tenant.id, err: errorSummary(err) }, 'token health check failed'));
    }
  }

  async check(tenant: Tenant): Promise<HealthOutcome> {
    const now = this.d.clock.now();
    if (!(await this.d.repo.acquireLease(tenant.id, 'token_health', this.d.instanceId, now, now + this.d.intervalMs))) return 'skipped';
    const cur = await this.d.vault.current(tenant.id);
    if (!cur) return 'no_token';
    const result = await this.d.validation.validate(tenant.id, cur.token);
    const t = translator(tenant.defaultLocale);
    const number = cur.displayPhoneNumber ?? tenant.phoneNumberId;
    if (!result.ok) {
      // Meta unreachable is not the token's fault; the next interval tries again.
      if (result.retryable) return 'unreachable';
      const code = result.diagnosis.code;
      const key = SCOPE_CODES.has(code) ? 'bot:alert.health_scopes' : 'bot:alert.health_invalid';
      return this.warnOnce(tenant, `token-health:${cur.versionId}:${code}`, t(key, { number, problem: problemText(t, code, result.diagnosis.params) }));
    }
    const expiresAt = result.facts.expiresAt;
    if (expiresAt === null) return 'healthy';
    const left = expiresAt - now;
    const params = { number, date: formatTime(tenant.defaultLocale, expiresAt), duration: humanDuration(t, Math.max(0, left)) };
    if (left <= DAY) {
      // Already inside the last day: the 7-day notice would only repeat the same news.
      await this.d.repo.claimOnce(tenant.id, `token-health:${cur.versionId}:expiry_7d`, this.d.instanceId, now);
      return this.warnOnce(tenant, `token-health:${cur.versionId}:expiry_1d`, t('bot:alert.health_expiry_1d', params));
    }
    if (left <= 7 * DAY) return this.warnOnce(tenant, `token-health:${cur.versionId}:expiry_7d`, t('bot:alert.health_expiry_7d', params));
    return 'healthy';
  }

  private async warnOnce(tenant: Tenant, job: string, text: string): Promise<HealthOutcome> {
    if (!(await this.d.repo.claimOnce(tenant.id, job, this.d.instanceId, this.d.clock.now()))) return 'already_warned';
    const t = translator(tenant.defaultLocale);
    try {
      await this.d.chats.deliver(tenant, {
        text,
        buttons: [
          { text: t('bot:buttons.renew'), value: 'renew' },
          { text: t('bot:buttons.status'), value: 'status' },
        ],
      });
    } catch (err) {
      await this.d.repo.releaseOnce(tenant.id, job, this.d.instanceId);
      throw err;
    }
    this.d.logger.info({ tenant: tenant.id, job }, 'token health warning sent');
    return 'warned';
  }

  worker(everyMs: number): Worker {
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> = Promise.resolve();
    return {
      name: 'bot-token-health',
      start: () => {
        const run = () => {
          running = running.then(() => this.tick()).catch((err) => this.d.logger.error({ err: errorSummary(err) }, 'token health sweep failed'));
        };
        if (!timer) {
          run();
          timer = setInterval(run, everyMs);
          timer.unref();
        }
      },
      stop: async () => {
        if (timer) clearInterval(timer);
        timer = undefined;
        await running;
      },
    };
  }
}
