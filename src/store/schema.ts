// Row types for every table. Times are epoch milliseconds; booleans are 0/1 integers
// so that SQLite and PostgreSQL rows look the same to callers.
import type { Generated, ColumnType } from 'kysely';

type Id = Generated<number>;

export interface TenantTable {
  tenant_id: string;
  name: string;
  meta_app_id: string;
  meta_app_name: string | null;
  meta_app_secret_key_id: string;
  meta_app_secret_box: string;
  meta_verify_token_key_id: string;
  meta_verify_token_box: string;
  waba_id: string;
  phone_number_id: string;
  giosg_api_token_key_id: string;
  giosg_api_token_box: string;
  giosg_organization_id: string;
  giosg_bot_user_id: string;
  giosg_webhook_secret_key_id: string;
  giosg_webhook_secret_box: string;
  giosg_admin_team_id: string | null;
  giosg_umi_channel_id: string | null;
  default_locale: string;
  created_at: number;
  updated_at: number;
}

export type TokenStage = 'pending' | 'promoting' | 'current' | 'demoting' | 'previous' | 'retired' | 'rejected';

export interface TokenVersionTable {
  id: Id;
  tenant_id: string;
  stage: TokenStage;
  key_id: string;
  box: string;
  fingerprint: string;
  source: string;
  created_by: string;
  created_at: number;
  validated_at: number | null;
  promoted_at: number | null;
  expires_at: number | null; // epoch ms, null = never / unknown
  token_type: string | null;
  verified_name: string | null;
  display_phone_number: string | null;
}

export interface AuditLogTable {
  id: Id;
  tenant_id: string;
  actor: string;
  action: string;
  version_id: number | null;
  detail: string | null;
  created_at: number;
}

export interface WebhookEventTable {
  id: Id;
  tenant_id: string;
  received_at: number;
  body: string;
  processed_at: number | null;
  attempts: number;
  last_error: string | null;
}

export interface InboundMessageTable {
  id: Id;
  tenant_id: string;
  wa_message_id: string;
  wa_id: string;
  profile_name: string | null;
  text: string;
  wa_timestamp: number;
  state: 'queued' | 'relayed' | 'failed';
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  lease_owner: string | null;
  lease_until: number | null;
  created_at: number;
  relayed_at: number | null;
  /** JSON of channel/media/media-ref.ts, or null for a message without media (0007_media). */
  media: ColumnType<string | null, string | null | undefined, string | null>;
  paused_hold: ColumnType<number, number | undefined, number>;
}

export interface StatusEventTable {
  id: Id;
  tenant_id: string;
  status_id: string;
  status: string;
  recipient: string | null;
  error_code: number | null;
  created_at: number;
}

export type OutboxState = 'queued' | 'sending' | 'sent' | 'delivered' | 'read' | 'failed';

export interface OutboxTable {
  id: Id;
  tenant_id: string;
  source_id: string; // giosg message id: dedupes giosg's webhook retries
  recipient: string;
  body: string;
  giosg_chat_id: string | null;
  state: OutboxState;
  attempts: number;
  next_attempt_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  wamid: string | null;
  error_class: string | null;
  error_code: number | null;
  error_reason: string | null;
  created_at: number;
  sent_at: number | null;
  updated_at: number;
  /** Sealed JSON of channel/media/outbound-media-ref.ts, or null for a text reply (0007_media). */
  media: ColumnType<string | null, string | null | undefined, string | null>;
  /** The delivery state last said in the agent's chat (0014_read_and_ticks; channel/outbound/delivery-ticks.ts). */
  announced_state: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface IncidentTable {
  id: Id;
  tenant_id: string;
  kind: string; // token | permission | account | account_update | token_health
  fixable_by_token: number;
  state: 'open' | 'resolved';
  reason: string | null;
  meta_code: number | null;
  opened_at: number;
  resolved_at: number | null;
  alerted_at: number | null;
  reminded_at: number | null;
  alert_chat_id: string | null;
  delivered_after: number | null;
  /** Why Meta refused the token (meta/token-causes.ts); null for other incidents. */
  token_cause: string | null;
}

export interface ChannelStateTable {
  tenant_id: string;
  paused: number;
  paused_reason: string | null;
  paused_since: number | null;
  incident_id: number | null;
  last_success_at: number | null;
  next_probe_at: number | null;
  updated_at: number;
}

export interface LinkTable {
  id_hash: string;
  tenant_id: string;
  admin_user_id: string;
  chat_id: string;
  locale: string;
  created_at: number;
  expires_at: number;
  failed_attempts: number;
  state: 'open' | 'consumed' | 'burnt';
  consumed_at: number | null;
  token_version_id: number | null;
  /** 0016_setup: what the link takes ('token', or 'app_secret' during setup). */
  kind: Generated<LinkKind>;
}

export type LinkKind = 'token' | 'app_secret';

export interface BotStateTable {
  tenant_id: string;
  key: string;
  value: string;
  updated_at: number;
}

export interface GiosgEventTable {
  tenant_id: string;
  resource_id: string;
  received_at: number;
  // 0002_bot_giosg_event_queue: the bot's durable inbox
  chat_id: string | null;
  payload: string | null;
  processed_at: number | null;
  claimed_until: number | null;
  last_error: string | null;
  attempts: ColumnType<number, number | undefined, number>;
}

export interface JobLeaseTable {
  tenant_id: string;
  job: string;
  owner: string;
  lease_until: number;
  last_run_at: number | null;
}

// 0004_scale_send_budget: the per-number send budget shared by every instance
export interface SendBudgetTable {
  phone_number_id: string;
  /** Start of the one-second window, epoch ms (database clock on PostgreSQL). */
  window_start: number;
  used: number;
  /** What the last taker got; read back in the same statement as its grant. */
  last_grant: number;
}

// 0010_giosg_app: organizations that installed the giosg App, and the triggers seen
export type AppLifecycle = 'awaiting_setup' | 'active' | 'disabled';

export interface GiosgAppInstallTable {
  tenant_id: string;
  organization_id: string;
  app_id: string;
  installation_id: string | null;
  installer_user_id: string | null;
  lifecycle: AppLifecycle;
  /** The chat the bot opened with the installing admin for the setup dialog. */
  setup_chat_id: string | null;
  setup_step: string | null;
  /** JSON of the Meta ids collected so far (no secrets: those go straight to the vault). */
  setup_draft: string | null;
  /** JSON of the last wiring check. */
  wiring: string | null;
  installed_at: number;
  updated_at: number;
}

export interface GiosgAppTriggerTable {
  /** SHA-256 of the trigger's `data` JWT: a replay carries the same bytes. */
  data_sha256: string;
  trigger_type: string;
  organization_id: string;
  state: 'running' | 'done' | 'failed';
  outcome: string | null;
  received_at: number;
  finished_at: number | null;
}

// 0016_setup: the last Meta wiring check of each tenant.
export type WiringState = 'ok' | 'failing' | 'unknown';

export interface WiringCheckTable {
  tenant_id: string;
  state: WiringState;
  /** JSON of the checks (WiringReport, src/onboarding/wiring-types.ts): ids and codes, no secrets. */
  report: string;
  /** What ran it: setup, token_changed, manual. */
  cause: string;
  checked_at: number;
}

export interface Database {
  tenants: TenantTable;
  token_versions: TokenVersionTable;
  audit_log: AuditLogTable;
  webhook_events: WebhookEventTable;
  inbound_messages: InboundMessageTable;
  status_events: StatusEventTable;
  outbox: OutboxTable;
  incidents: IncidentTable;
  channel_state: ChannelStateTable;
  links: LinkTable;
  bot_state: BotStateTable;
  giosg_events: GiosgEventTable;
  job_leases: JobLeaseTable;
  send_budget: SendBudgetTable;
  giosg_app_installs: GiosgAppInstallTable;
  giosg_app_triggers: GiosgAppTriggerTable;
  wiring_checks: WiringCheckTable;
  service_windows: ServiceWindowTable;
  held_replies: HeldReplyTable;
  reengagements: ReengagementTable;
  reengagement_templates: ReengagementTemplateTable;
  customer_ids: CustomerIdTable;
}

/** 0015_bsuid: which customer (giosg thread key) a phone number or business-scoped user id belongs to. */
export interface CustomerIdTable {
  tenant_id: string;
  /** A phone number (wa_id) or a business-scoped user id (BSUID). */
  customer_id: string;
  kind: 'phone' | 'bsuid';
  customer_key: string;
  /** 1 for a phone number the customer changed away from: no longer leads to them. */
  retired: ColumnType<number, number | undefined, number>;
  updated_at: number;
}

/** A customer's 24-hour window (src/channel/window/). */
export interface ServiceWindowTable {
  tenant_id: string;
  wa_id: string;
  /** Meta's timestamp of the customer's latest message. */
  last_inbound_at: number | null;
  /** From a status's `conversation.expiration_timestamp` (service conversations). */
  conversation_expires_at: number | null;
  /** When Meta last refused a free-form reply with 131047. */
  closed_seen_at: number | null;
  /** Meta's id of the customer's latest message (0014_read_and_ticks). */
  last_inbound_wamid: ColumnType<string | null, string | null | undefined, string | null>;
  /** The latest message we marked read (with a typing indicator) before a reply. */
  read_wamid: ColumnType<string | null, string | null | undefined, string | null>;
  profile_name: string | null;
  updated_at: number;
}

export interface HeldReplyTable {
  id: Id;
  tenant_id: string;
  recipient: string;
  source_id: string;
  body: string;
  giosg_chat_id: string | null;
  /** The sealed attachment of a held media reply, as in the outbox; null for text. */
  media: ColumnType<string | null, string | null | undefined, string | null>;
  reason: 'window_closed' | 'meta_131047';
  /** When the agent wrote it (the outbox row's created_at): the release order. */
  written_at: number;
  held_at: number;
}

/** pending → sending → sent | failed; no_template when none is configured; answered/superseded close it. */
export type ReengagementState = 'pending' | 'sending' | 'sent' | 'failed' | 'no_template' | 'answered';

export interface ReengagementTable {
  id: Id;
  tenant_id: string;
  recipient: string;
  state: ReengagementState;
  template_name: string | null;
  template_language: string | null;
  /** JSON array of the body parameters' texts. */
  params: string | null;
  giosg_chat_id: string | null;
  attempts: number;
  next_attempt_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  wamid: string | null;
  error_code: number | null;
  error_reason: string | null;
  created_at: number;
  updated_at: number;
}

export interface ReengagementTemplateTable {
  tenant_id: string;
  position: number;
  name: string;
  language: string;
  /** JSON array of parameter sources (channel/window/template-params.ts). */
  params: string;
  chosen_by: string;
  created_at: number;
}

