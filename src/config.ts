// The only module that reads process.env. Everything else receives a typed Config.
import { z } from 'zod';

const optionalString = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

const httpUrl = (what: string) =>
  z
    .string()
    .trim()
    .refine((v) => /^https?:\/\/[^\s/]+/.test(v), { message: `expected an http(s) URL (${what})` })
    .transform((v) => v.replace(/\/+$/, ''));

const databaseUrl = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === undefined || v === '' ? 'sqlite:./data/bot.sqlite' : v))
  .refine((v) => /^sqlite:.+/.test(v) || /^postgres(ql)?:\/\/.+/.test(v), {
    message: 'expected sqlite:… or postgres://…',
  });

const base64Key = z
  .string()
  .trim()
  .refine(
    (v) => {
      const buf = Buffer.from(v, 'base64');
      return buf.length === 32 && /^[A-Za-z0-9+/=_-]+$/.test(v);
    },
    { message: 'expected 32 bytes encoded as base64 (openssl rand -base64 32)' },
  );

const intInRange = (def: number, min: number, max: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === undefined || v === '' ? String(def) : v))
    .refine((v) => /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max, {
      message: `expected an integer from ${min} to ${max}`,
    })
    .transform(Number);

/** Days, fractions allowed (the soak prunes after seconds: RETENTION_WEBHOOK_BODY_DAYS=0.0001). */
const daysInRange = (def: number, min: number, max: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === undefined || v === '' ? String(def) : v))
    .refine((v) => /^\d+(\.\d+)?$/.test(v) && Number(v) >= min && Number(v) <= max, {
      message: `expected a number of days from ${min} to ${max}`,
    })
    .transform(Number);

const digits = (what: string) =>
  optionalString.refine((v) => v === undefined || /^\d+$/.test(v), { message: `expected a numeric ${what}` });

export const envSchema = z.object({
  NODE_ENV: optionalString,
  PORT: intInRange(3000, 0, 65535),
  PUBLIC_BASE_URL: httpUrl('base URL used in one-time links').optional(),
  DATABASE_URL: databaseUrl,
  TOKEN_ENCRYPTION_KEY: base64Key.optional(),
  TOKEN_ENCRYPTION_OLD_KEYS: optionalString.refine(
    (v) => v === undefined || v.split(',').every((k) => Buffer.from(k.trim(), 'base64').length === 32),
    { message: 'expected comma-separated 32-byte base64 keys' },
  ),
  TENANT_ID: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === undefined || v === '' ? 'default' : v))
    .refine((v) => /^[a-z0-9][a-z0-9_-]{0,62}$/.test(v), {
      message: 'expected lowercase letters, digits, - or _ (max 63)',
    }),
  META_APP_ID: digits('app id'),
  META_APP_SECRET: optionalString,
  META_VERIFY_TOKEN: optionalString,
  META_GRAPH_BASE_URL: httpUrl('Graph API').default('https://graph.facebook.com'),
  META_GRAPH_VERSION: z
    .string()
    .trim()
    .default('v25.0')
    .refine((v) => /^v\d+\.\d+$/.test(v), { message: 'expected a version like v25.0' }),
  WHATSAPP_BUSINESS_ACCOUNT_ID: digits('WhatsApp Business Account id'),
  WHATSAPP_PHONE_NUMBER_ID: digits('phone number id'),
  WHATSAPP_ACCESS_TOKEN: optionalString.refine((v) => v === undefined || !/\s/.test(v), {
    message: 'must not contain whitespace',
  }),
  GIOSG_BASE_URL: httpUrl('giosg API').default('https://service.giosg.com'),
  GIOSG_API_TOKEN: optionalString,
  GIOSG_ORGANIZATION_ID: optionalString,
  GIOSG_BOT_USER_ID: optionalString,
  GIOSG_WEBHOOK_SECRET: optionalString.refine((v) => v === undefined || v.length >= 16, {
    message: 'expected at least 16 characters',
  }),
  GIOSG_ADMIN_TEAM_ID: optionalString,
  GIOSG_UMI_CHANNEL_ID: optionalString,
  // Onboarding as a giosg App (src/onboarding/): the app's id and secret from giosg's app settings.
  GIOSG_APP_ID: optionalString,
  GIOSG_APP_SECRET: optionalString.refine((v) => v === undefined || v.length >= 16, { message: 'expected at least 16 characters' }),
  SEND_RATE_PER_SECOND: intInRange(80, 1, 10000),
  // Media passes through files here, one per transfer, deleted when it is over.
  MEDIA_SPOOL_DIR: optionalString,
  // Issue 26: blue ticks for the customer (read mark + typing before a reply) and delivery
  // lines for the agent. Some desks do not want customers to see "read": they can say off.
  MARK_READ: z
    .string()
    .trim()
    .default('on')
    .refine((v) => ['on', 'off'].includes(v), { message: 'expected on or off' }),
  DELIVERY_TICKS: z
    .string()
    .trim()
    .default('all')
    .refine((v) => ['all', 'read', 'off'].includes(v), { message: 'expected all, read or off' }),
  // Issue 25: check the Meta wiring (WABA subscription, phone number, webhook callback)
  // after setup and after every token swap.
  WIRING_CHECK: z
    .string()
    .trim()
    .default('on')
    .refine((v) => ['on', 'off'].includes(v), { message: 'expected on or off' }),
  LINK_TTL_MINUTES: intInRange(15, 1, 1440),
  ALERT_REMINDER_HOURS: intInRange(4, 1, 168),
  TOKEN_HEALTH_INTERVAL_MINUTES: intInRange(60, 1, 10080),
  // Worker timing (defaults in src/channel/tuning.ts); unset keeps the default. Tests and
  // multi-instance drills shorten the lease so a killed instance's claims return sooner.
  WORKER_POLL_MS: optionalString.refine((v) => v === undefined || (/^\d+$/.test(v) && Number(v) >= 10 && Number(v) <= 60_000), {
    message: 'expected an integer from 10 to 60000 (milliseconds)',
  }),
  WORKER_LEASE_MS: optionalString.refine((v) => v === undefined || (/^\d+$/.test(v) && Number(v) >= 1000 && Number(v) <= 3_600_000), {
    message: 'expected an integer from 1000 to 3600000 (milliseconds)',
  }),
  // Data retention (src/channel/retention-loop.ts): finished rows older than these are pruned.
  RETENTION_WEBHOOK_BODY_DAYS: daysInRange(3, 0.00001, 3650),
  RETENTION_MESSAGES_DAYS: daysInRange(30, 0.00001, 3650),
  RETENTION_STATUS_DAYS: daysInRange(30, 0.00001, 3650),
  RETENTION_AUDIT_DAYS: daysInRange(400, 0.00001, 3650),
  // Ids that recognise Meta's redeliveries outlive the content: Meta retries for 7 days
  // (shorter only for soak runs; the pruner warns).
  RETENTION_DEDUPE_DAYS: daysInRange(8, 0.00001, 3650),
  PRUNE_INTERVAL_MS: intInRange(60_000, 1000, 86_400_000),
  PRUNE_BATCH: intInRange(500, 10, 10_000),
  DEFAULT_LOCALE: z
    .string()
    .trim()
    .default('en')
    .refine((v) => ['en', 'fi', 'sv'].includes(v), { message: 'expected en, fi or sv' }),
  LOG_LEVEL: z
    .string()
    .trim()
    .default('info')
    .refine((v) => ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(v), {
      message: 'expected fatal, error, warn, info, debug, trace or silent',
    }),
  SANDBOX: optionalString.refine((v) => v === undefined || ['auto', 'on', 'off'].includes(v), {
    message: 'expected auto, on or off',
  }),
  CLI_LOG_LEVEL: optionalString.refine((v) => v === undefined || ['warn', 'debug'].includes(v), { message: 'expected warn or debug' }),
  // The login name, so the audit log says which operator ran a CLI command.
  USER: optionalString,
});

export type Env = z.infer<typeof envSchema>;

export interface TenantSeed {
  id: string;
  metaAppId: string;
  metaAppSecret: string;
  metaVerifyToken: string;
  wabaId: string;
  phoneNumberId: string;
  giosgApiToken: string;
  giosgOrganizationId: string;
  giosgBotUserId: string;
  giosgWebhookSecret: string;
  giosgAdminTeamId?: string;
  giosgUmiChannelId?: string;
  defaultLocale: 'en' | 'fi' | 'sv';
}

export interface Config {
  port: number;
  publicBaseUrl: string;
  databaseUrl: string;
  /** Primary key first; older keys only decrypt. Undefined only in sandbox mode before a key is generated. */
  encryptionKeys: Buffer[];
  sandbox: boolean;
  tenantId: string;
  tenantSeed?: TenantSeed;
  /** The giosg App this service is; the trigger route exists only when it is set. */
  giosgApp?: { appId: string; appSecret: string };
  initialAccessToken?: string;
  graph: { baseUrl: string; version: string };
  giosgBaseUrl: string;
  sendRatePerSecond: number;
  /** Mark the customer's latest message read (with a typing indicator) just before a reply (MARK_READ). */
  markRead: boolean;
  /** Which delivery states reach the agent's chat as a short line (DELIVERY_TICKS). */
  deliveryTicks: 'all' | 'read' | 'off';
  /** Check the Meta wiring after every token swap (WIRING_CHECK); setup always checks it. */
  wiringCheck: boolean;
  linkTtlMs: number;
  alertReminderMs: number;
  tokenHealthIntervalMs: number;
  defaultLocale: 'en' | 'fi' | 'sv';
  logLevel: string;
  /** The CLI logs at warn unless CLI_LOG_LEVEL=debug (its output is for a person). */
  cliLogLevel: 'warn' | 'debug';
  /** Who runs the CLI, for the audit log's actor (the login name, USER). */
  operator: string;
  /** Directory for media in transit (MEDIA_SPOOL_DIR); default <os tmpdir>/wa-media-spool. */
  mediaSpoolDir?: string;
  /** Channel worker timing; defaults in src/channel/tuning.ts. Tests shorten them. */
  channelTuning?: Partial<ChannelTuning>;
  /** How long finished rows are kept; unset (tests, tools) means DEFAULT_RETENTION. */
  retention?: RetentionPolicy;
}

/** Ages in milliseconds past which finished rows are pruned (README "Data retention and erasure"). */
export interface RetentionPolicy {
  /** Processed Meta webhook bodies. */
  webhookBodyMs: number;
  /** Relayed customer messages and sent/failed replies: their content; the rows themselves after max(this, dedupeMs). */
  messagesMs: number;
  /** Delivery status events (their recipient; the rows after max(this, dedupeMs)). */
  statusMs: number;
  auditMs: number;
  /** How long message and status ids stay to recognise Meta's redeliveries (≥ 7 days). */
  dedupeMs: number;
  intervalMs: number;
  /** Rows per prune statement. */
  batch: number;
}

export const DAY_MS = 86_400_000;

export const DEFAULT_RETENTION: RetentionPolicy = {
  webhookBodyMs: 3 * DAY_MS,
  messagesMs: 30 * DAY_MS,
  statusMs: 30 * DAY_MS,
  auditMs: 400 * DAY_MS,
  dedupeMs: 8 * DAY_MS,
  intervalMs: 60_000,
  batch: 500,
};

export interface ChannelTuning {
  /** Idle poll of the webhook processor, relay and sender loops. */
  pollMs: number;
  /** How long a claimed outbox/inbound row stays leased to one process. */
  leaseMs: number;
  batchSize: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** While paused, how often the current token is probed. */
  probeIntervalMs: number;
  /** How often the delivery-tick announcer looks for replies that changed state. */
  ticksPollMs: number;
  /** A 'delivered' waits this long before it is said, so a quick 'read' replaces it (one line, not two). */
  ticksSettleMs: number;
  /** A 'read' waits this long, so the read statuses of several replies (one webhook each) share a line. */
  ticksReadSettleMs: number;
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

const CREDENTIAL_VARS = [
  'META_APP_ID',
  'META_APP_SECRET',
  'META_VERIFY_TOKEN',
  'WHATSAPP_BUSINESS_ACCOUNT_ID',
  'WHATSAPP_PHONE_NUMBER_ID',
  'GIOSG_API_TOKEN',
  'GIOSG_ORGANIZATION_ID',
  'GIOSG_BOT_USER_ID',
  'GIOSG_WEBHOOK_SECRET',
] as const;

/** Parses an environment (process.env by default) into Config, or throws ConfigError with one line per problem. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.') || '(environment)'}: ${i.message}`),
    );
  }
  const env = parsed.data;
  const present = CREDENTIAL_VARS.filter((k) => env[k] !== undefined);
  const appVars = [env.GIOSG_APP_ID, env.GIOSG_APP_SECRET].filter((v) => v !== undefined).length;
  const wantSandbox = env.SANDBOX === 'on' || (env.SANDBOX !== 'off' && present.length === 0 && appVars === 0);
  const problems: string[] = [];
  if (appVars === 1) {
    const missing = env.GIOSG_APP_ID === undefined ? 'GIOSG_APP_ID' : 'GIOSG_APP_SECRET';
    problems.push(`${missing}: required with ${missing === 'GIOSG_APP_ID' ? 'GIOSG_APP_SECRET' : 'GIOSG_APP_ID'} (the giosg App onboarding needs its id and secret)`);
  }
  if (wantSandbox && appVars > 0) problems.push('SANDBOX: refusing to run the sandbox while GIOSG_APP_ID / GIOSG_APP_SECRET are set');
  // A service that is a giosg App gets its tenants from installs: the seed tenant is optional.
  const seedWanted = !wantSandbox && (present.length > 0 || appVars === 0);

  if (wantSandbox && present.length > 0) {
    problems.push(
      `SANDBOX: refusing to run the sandbox while real credentials are set (${present.join(', ')})`,
    );
  }
  if (!wantSandbox) {
    for (const k of CREDENTIAL_VARS) {
      if (seedWanted && env[k] === undefined) problems.push(`${k}: required when credentials are configured (set all of ${CREDENTIAL_VARS.join(', ')}, or none for the sandbox)`);
    }
    if (env.TOKEN_ENCRYPTION_KEY === undefined) {
      problems.push('TOKEN_ENCRYPTION_KEY: required outside the sandbox (openssl rand -base64 32)');
    }
    if (env.PUBLIC_BASE_URL === undefined) {
      problems.push('PUBLIC_BASE_URL: required outside the sandbox (the https address admins open links on)');
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const keys: Buffer[] = [];
  if (env.TOKEN_ENCRYPTION_KEY) keys.push(Buffer.from(env.TOKEN_ENCRYPTION_KEY, 'base64'));
  if (env.TOKEN_ENCRYPTION_OLD_KEYS) {
    for (const k of env.TOKEN_ENCRYPTION_OLD_KEYS.split(',')) keys.push(Buffer.from(k.trim(), 'base64'));
  }

  const defaultLocale = env.DEFAULT_LOCALE as 'en' | 'fi' | 'sv';
  const tenantSeed: TenantSeed | undefined = !seedWanted
    ? undefined
    : {
        id: env.TENANT_ID,
        metaAppId: env.META_APP_ID!,
        metaAppSecret: env.META_APP_SECRET!,
        metaVerifyToken: env.META_VERIFY_TOKEN!,
        wabaId: env.WHATSAPP_BUSINESS_ACCOUNT_ID!,
        phoneNumberId: env.WHATSAPP_PHONE_NUMBER_ID!,
        giosgApiToken: env.GIOSG_API_TOKEN!,
        giosgOrganizationId: env.GIOSG_ORGANIZATION_ID!,
        giosgBotUserId: env.GIOSG_BOT_USER_ID!,
        giosgWebhookSecret: env.GIOSG_WEBHOOK_SECRET!,
        giosgAdminTeamId: env.GIOSG_ADMIN_TEAM_ID,
        giosgUmiChannelId: env.GIOSG_UMI_CHANNEL_ID,
        defaultLocale,
      };

  return {
    port: env.PORT,
    publicBaseUrl: env.PUBLIC_BASE_URL ?? `http://127.0.0.1:${env.PORT}`,
    databaseUrl: env.DATABASE_URL,
    encryptionKeys: keys,
    sandbox: wantSandbox,
    tenantId: env.TENANT_ID,
    tenantSeed,
    ...(env.GIOSG_APP_ID && env.GIOSG_APP_SECRET ? { giosgApp: { appId: env.GIOSG_APP_ID, appSecret: env.GIOSG_APP_SECRET } } : {}),
    initialAccessToken: env.WHATSAPP_ACCESS_TOKEN,
    graph: { baseUrl: env.META_GRAPH_BASE_URL, version: env.META_GRAPH_VERSION },
    giosgBaseUrl: env.GIOSG_BASE_URL,
    sendRatePerSecond: env.SEND_RATE_PER_SECOND,
    markRead: env.MARK_READ === 'on',
    deliveryTicks: env.DELIVERY_TICKS as 'all' | 'read' | 'off',
    wiringCheck: env.WIRING_CHECK === 'on',
    ...(env.MEDIA_SPOOL_DIR ? { mediaSpoolDir: env.MEDIA_SPOOL_DIR } : {}),
    linkTtlMs: env.LINK_TTL_MINUTES * 60_000,
    alertReminderMs: env.ALERT_REMINDER_HOURS * 3_600_000,
    tokenHealthIntervalMs: env.TOKEN_HEALTH_INTERVAL_MINUTES * 60_000,
    defaultLocale,
    logLevel: env.LOG_LEVEL,
    cliLogLevel: env.CLI_LOG_LEVEL === 'debug' ? 'debug' : 'warn',
    operator: env.USER?.trim() || 'operator',
    retention: {
      webhookBodyMs: Math.round(env.RETENTION_WEBHOOK_BODY_DAYS * DAY_MS),
      messagesMs: Math.round(env.RETENTION_MESSAGES_DAYS * DAY_MS),
      statusMs: Math.round(env.RETENTION_STATUS_DAYS * DAY_MS),
      auditMs: Math.round(env.RETENTION_AUDIT_DAYS * DAY_MS),
      dedupeMs: Math.round(env.RETENTION_DEDUPE_DAYS * DAY_MS),
      intervalMs: env.PRUNE_INTERVAL_MS,
      batch: env.PRUNE_BATCH,
    },
    ...workerTuning(env),
  };
}

function workerTuning(env: Env): Pick<Config, 'channelTuning'> {
  const t: Partial<ChannelTuning> = {};
  if (env.WORKER_POLL_MS !== undefined) t.pollMs = Number(env.WORKER_POLL_MS);
  if (env.WORKER_LEASE_MS !== undefined) t.leaseMs = Number(env.WORKER_LEASE_MS);
  return Object.keys(t).length > 0 ? { channelTuning: t } : {};
}
