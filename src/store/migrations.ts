// Versioned migrations, the same for SQLite and PostgreSQL. Never edit a released
// migration: add a new one.
import { ColumnDefinitionBuilder, Kysely, Migration, MigrationProvider, Migrator, sql } from 'kysely';
import type { Engine } from './db';

// Migrations are typed against no schema on purpose (Kysely's guidance): they must keep
// compiling as today's tables change.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;
type Builder = (db: AnyDb, engine: Engine) => Promise<void>;

const idColumn = (engine: Engine) => (engine === 'postgres' ? 'bigserial' : 'integer');

const migrations: Record<string, Builder> = {
  async '0001_foundation'(db, engine) {
    const id = idColumn(engine);
    const idOpts = (c: ColumnDefinitionBuilder) => (engine === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement());

    await db.schema
      .createTable('tenants')
      .addColumn('tenant_id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('meta_app_id', 'text', (c) => c.notNull())
      .addColumn('meta_app_name', 'text')
      .addColumn('meta_app_secret_key_id', 'text', (c) => c.notNull())
      .addColumn('meta_app_secret_box', 'text', (c) => c.notNull())
      .addColumn('meta_verify_token_key_id', 'text', (c) => c.notNull())
      .addColumn('meta_verify_token_box', 'text', (c) => c.notNull())
      .addColumn('waba_id', 'text', (c) => c.notNull())
      .addColumn('phone_number_id', 'text', (c) => c.notNull())
      .addColumn('giosg_api_token_key_id', 'text', (c) => c.notNull())
      .addColumn('giosg_api_token_box', 'text', (c) => c.notNull())
      .addColumn('giosg_organization_id', 'text', (c) => c.notNull())
      .addColumn('giosg_bot_user_id', 'text', (c) => c.notNull())
      .addColumn('giosg_webhook_secret_key_id', 'text', (c) => c.notNull())
      .addColumn('giosg_webhook_secret_box', 'text', (c) => c.notNull())
      .addColumn('giosg_admin_team_id', 'text')
      .addColumn('giosg_umi_channel_id', 'text')
      .addColumn('default_locale', 'text', (c) => c.notNull().defaultTo('en'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('token_versions')
      .addColumn('id', id, idOpts)
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('stage', 'text', (c) => c.notNull())
      .addColumn('key_id', 'text', (c) => c.notNull())
      .addColumn('box', 'text', (c) => c.notNull())
      .addColumn('fingerprint', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('validated_at', 'bigint')
      .addColumn('promoted_at', 'bigint')
      .addColumn('expires_at', 'bigint')
      .addColumn('token_type', 'text')
      .addColumn('verified_name', 'text')
      .addColumn('display_phone_number', 'text')
      .execute();
    // At most one current and one previous version per tenant: the database itself
    // refuses a second winner if two promotions race.
    await sql`create unique index token_versions_one_current on token_versions (tenant_id) where stage = 'current'`.execute(db);
    await sql`create unique index token_versions_one_previous on token_versions (tenant_id) where stage = 'previous'`.execute(db);

    await db.schema
      .createTable('audit_log')
      .addColumn('id', id, idOpts)
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('version_id', 'bigint')
      .addColumn('detail', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('audit_log_tenant').on('audit_log').columns(['tenant_id', 'id']).execute();

    await db.schema
      .createTable('webhook_events')
      .addColumn('id', id, idOpts)
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('received_at', 'bigint', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('processed_at', 'bigint')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_error', 'text')
      .execute();
    await sql`create index webhook_events_unprocessed on webhook_events (id) where processed_at is null`.execute(db);

    await db.schema
      .createTable('inbound_messages')
      .addColumn('id', id, idOpts)
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('wa_message_id', 'text', (c) => c.notNull())
      .addColumn('wa_id', 'text', (c) => c.notNull())
      .addColumn('profile_name', 'text')
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('wa_timestamp', 'bigint', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
      .addColumn('last_error', 'text')
      .addColumn('lease_owner', 'text')
      .addColumn('lease_until', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('relayed_at', 'bigint')
      .addUniqueConstraint('inbound_messages_dedupe', ['tenant_id', 'wa_message_id'])
      .execute();
    await db.schema.createIndex('inbound_messages_pending').on('inbound_messages').columns(['state', 'next_attempt_at']).execute();

    await db.schema
      .createTable('status_events')
      .addColumn('id', id, idOpts)
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('status_id', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('recipient', 'text')
      .addColumn('error_code', 'integer')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('status_events_dedupe', ['tenant_id', 'status_id', 'status'])
      .execute();

    await db.schema
      .createTable('outbox')
      .addColumn('id', id, idOpts)
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('source_id', 'text', (c) => c.notNull())
      .addColumn('recipient', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('giosg_chat_id', 'text')
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
      .addColumn('lease_owner', 'text')
      .addColumn('lease_until', 'bigint')
      .addColumn('wamid', 'text')
      .addColumn('error_class', 'text')
      .addColumn('error_code', 'integer')
      .addColumn('error_reason', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('sent_at', 'bigint')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('outbox_dedupe', ['tenant_id', 'source_id'])
      .execute();
    await db.schema.createIndex('outbox_pending').on('outbox').columns(['tenant_id', 'state', 'next_attempt_at']).execute();
    await db.schema.createIndex('outbox_recipient').on('outbox').columns(['tenant_id', 'recipient', 'id']).execute();
    await db.schema.createIndex('outbox_wamid').on('outbox').columns(['wamid']).execute();

    await db.schema
      .createTable('incidents')
      .addColumn('id', id, idOpts)
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('fixable_by_token', 'integer', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('meta_code', 'integer')
      .addColumn('opened_at', 'bigint', (c) => c.notNull())
      .addColumn('resolved_at', 'bigint')
      .addColumn('alerted_at', 'bigint')
      .addColumn('reminded_at', 'bigint')
      .addColumn('alert_chat_id', 'text')
      .addColumn('delivered_after', 'integer')
      .execute();
    // One open incident per tenant and kind: concurrent detectors cannot open two.
    await sql`create unique index incidents_one_open on incidents (tenant_id, kind) where state = 'open'`.execute(db);

    await db.schema
      .createTable('channel_state')
      .addColumn('tenant_id', 'text', (c) => c.primaryKey())
      .addColumn('paused', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('paused_reason', 'text')
      .addColumn('paused_since', 'bigint')
      .addColumn('incident_id', 'bigint')
      .addColumn('last_success_at', 'bigint')
      .addColumn('next_probe_at', 'bigint')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('links')
      .addColumn('id_hash', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('admin_user_id', 'text', (c) => c.notNull())
      .addColumn('chat_id', 'text', (c) => c.notNull())
      .addColumn('locale', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('consumed_at', 'bigint')
      .addColumn('token_version_id', 'bigint')
      .execute();

    await db.schema
      .createTable('bot_state')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('giosg_events')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('resource_id', 'text', (c) => c.notNull())
      .addColumn('received_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('giosg_events_pk', ['tenant_id', 'resource_id'])
      .execute();

    await db.schema
      .createTable('job_leases')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('job', 'text', (c) => c.notNull())
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('lease_until', 'bigint', (c) => c.notNull())
      .addColumn('last_run_at', 'bigint')
      .addPrimaryKeyConstraint('job_leases_pk', ['tenant_id', 'job'])
      .execute();
  },

  // The bot's inbox: giosg events are stored (token-like text scrubbed) before we answer
  // 200, then processed; a crash between the two leaves the row for the sweeper.
  async '0002_bot_giosg_event_queue'(db) {
    for (const [name, type] of [
      ['chat_id', 'text'],
      ['payload', 'text'],
      ['processed_at', 'bigint'],
      ['claimed_until', 'bigint'],
      ['last_error', 'text'],
    ] as const) {
      await db.schema.alterTable('giosg_events').addColumn(name, type).execute();
    }
    await db.schema.alterTable('giosg_events').addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await sql`create index giosg_events_unprocessed on giosg_events (received_at) where processed_at is null`.execute(db);
  },
  // Channel claims look up each customer's / recipient's earlier unsent rows.
  async '0003_channel_queue_heads'(db) {
    await db.schema.createIndex('inbound_messages_customer').on('inbound_messages').columns(['tenant_id', 'wa_id', 'id']).execute();
  },
  // Meta's throughput limit is per phone number, whatever the number of instances: each
  // one-second window's sends are counted in one row that every instance draws from.
  async '0004_scale_send_budget'(db) {
    await db.schema
      .createTable('send_budget')
      .addColumn('phone_number_id', 'text', (c) => c.notNull())
      .addColumn('window_start', 'bigint', (c) => c.notNull())
      .addColumn('used', 'integer', (c) => c.notNull())
      .addColumn('last_grant', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('send_budget_pk', ['phone_number_id', 'window_start'])
      .execute();
  },
  // Claims look for queue heads among the rows still waiting; indexes over every row ever
  // relayed or sent made each claim scan a customer's whole history (9.8 ms per relay claim
  // at 2,000 webhooks/s, bench/README.md). Partial indexes hold only the waiting rows; the
  // claim queries repeat their WHERE terms literally so both engines can use them.
  async '0005_queue_partial_indexes'(db) {
    await sql`create index inbound_messages_queued on inbound_messages (id) where state = 'queued'`.execute(db);
    await sql`create index inbound_messages_queued_customer on inbound_messages (tenant_id, wa_id, id) where state = 'queued'`.execute(db);
    await sql`drop index inbound_messages_customer`.execute(db);
    await sql`drop index inbound_messages_pending`.execute(db);
    await sql`create index outbox_open on outbox (id) where state in ('queued', 'sending')`.execute(db);
    await sql`create index outbox_open_recipient on outbox (tenant_id, recipient, id) where state in ('queued', 'sending')`.execute(db);
  },
  // Media both ways: the media a customer sent (Meta's id, type, caption, filename; never a
  // URL) and the attachment an agent sent (giosg's download link is signed, so it is sealed
  // with the vault's key before it is stored). `paused_hold` marks a customer's media that
  // waits for a paused channel (an auth error on its download), so a resume wakes it at once.
  async '0007_media'(db) {
    await db.schema.alterTable('inbound_messages').addColumn('media', 'text').execute();
    await db.schema.alterTable('inbound_messages').addColumn('paused_hold', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable('outbox').addColumn('media', 'text').execute();
  },
  // Onboarding as a giosg App: one row per installing organization (its lifecycle and the
  // setup dialog's progress), and one per trigger request so a replayed trigger is answered
  // from the first one's outcome instead of being carried out again.
  async '0010_giosg_app'(db) {
    await db.schema
      .createTable('giosg_app_installs')
      .addColumn('tenant_id', 'text', (c) => c.primaryKey())
      .addColumn('organization_id', 'text', (c) => c.notNull().unique())
      .addColumn('app_id', 'text', (c) => c.notNull())
      .addColumn('installation_id', 'text')
      .addColumn('installer_user_id', 'text')
      .addColumn('lifecycle', 'text', (c) => c.notNull())
      .addColumn('setup_chat_id', 'text')
      .addColumn('setup_step', 'text')
      .addColumn('setup_draft', 'text')
      .addColumn('wiring', 'text')
      .addColumn('installed_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('giosg_app_triggers')
      .addColumn('data_sha256', 'text', (c) => c.primaryKey())
      .addColumn('trigger_type', 'text', (c) => c.notNull())
      .addColumn('organization_id', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text')
      .addColumn('received_at', 'bigint', (c) => c.notNull())
      .addColumn('finished_at', 'bigint')
      .execute();
  },
  // Issue 26: why Meta refused a token, so the alert names the right fix.
  async '0011_delivery_receipts'(db) {
    await db.schema.alterTable('incidents').addColumn('token_cause', 'text').execute();
  },
  // The 24-hour customer-service window (src/channel/window/): each customer's last message,
  // agents' replies held while the window is closed, the re-engagement template sent to
  // reopen it, and the templates a tenant chose for that.
  async '0008_service_window'(db, engine) {
    const id = idColumn(engine);
    const idOpts = (c: ColumnDefinitionBuilder) => (engine === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement());
    await db.schema
      .createTable('service_windows')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('wa_id', 'text', (c) => c.notNull())
      .addColumn('last_inbound_at', 'bigint')
      .addColumn('conversation_expires_at', 'bigint')
      .addColumn('closed_seen_at', 'bigint')
      .addColumn('profile_name', 'text')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('service_windows_pk', ['tenant_id', 'wa_id'])
      .execute();
    await db.schema
      .createTable('held_replies')
      .addColumn('id', id, idOpts)
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('recipient', 'text', (c) => c.notNull())
      .addColumn('source_id', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('giosg_chat_id', 'text')
      .addColumn('media', 'text')
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('written_at', 'bigint', (c) => c.notNull())
      .addColumn('held_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('held_replies_source').on('held_replies').columns(['tenant_id', 'source_id']).unique().execute();
    await db.schema.createIndex('held_replies_recipient').on('held_replies').columns(['tenant_id', 'recipient', 'written_at', 'id']).execute();
    await db.schema
      .createTable('reengagements')
      .addColumn('id', id, idOpts)
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('recipient', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('template_name', 'text')
      .addColumn('template_language', 'text')
      .addColumn('params', 'text')
      .addColumn('giosg_chat_id', 'text')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
      .addColumn('lease_owner', 'text')
      .addColumn('lease_until', 'bigint')
      .addColumn('wamid', 'text')
      .addColumn('error_code', 'integer')
      .addColumn('error_reason', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    // One open re-engagement per customer: two held replies never send two templates.
    await sql`create unique index reengagements_one_open on reengagements (tenant_id, recipient) where state in ('pending', 'sending', 'sent', 'no_template', 'failed')`.execute(db);
    await db.schema
      .createTable('reengagement_templates')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('language', 'text', (c) => c.notNull())
      .addColumn('params', 'text', (c) => c.notNull())
      .addColumn('chosen_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('reengagement_templates_pk', ['tenant_id', 'position'])
      .execute();
  },
  // Retention (store/retention-repo.ts): the pruner finds finished rows by age. Partial
  // indexes hold only finished rows, so ingest's inserts (unfinished rows) never touch them.
  async '0012_retention'(db) {
    await sql`create index webhook_events_processed on webhook_events (processed_at) where processed_at is not null`.execute(db);
    await sql`create index inbound_messages_relayed on inbound_messages (relayed_at) where state = 'relayed'`.execute(db);
    await sql`create index outbox_finished on outbox (updated_at) where state in ('sent', 'delivered', 'read', 'failed')`.execute(db);
    await db.schema.createIndex('status_events_created').on('status_events').columns(['created_at']).execute();
    await db.schema.createIndex('audit_log_created').on('audit_log').columns(['created_at']).execute();
    await db.schema.createIndex('service_windows_updated').on('service_windows').columns(['updated_at']).execute();
  },
  // Issue 23: the re-engagement sender claims due rows and finds a template's row from its status webhook.
  async '0013_reengagement_sending'(db) {
    await db.schema.createIndex('reengagements_due').on('reengagements').columns(['state', 'next_attempt_at']).execute();
    await db.schema.createIndex('reengagements_wamid').on('reengagements').columns(['tenant_id', 'wamid']).execute();
  },
  // Issue 26: the customer's latest message id (to mark it read before a reply, once) and,
  // per reply, the delivery state the agent was last told. Rows already delivered or read
  // before this migration count as told: nobody wants a flood of old ticks after an upgrade.
  async '0014_read_and_ticks'(db) {
    await db.schema.alterTable('service_windows').addColumn('last_inbound_wamid', 'text').execute();
    await db.schema.alterTable('service_windows').addColumn('read_wamid', 'text').execute();
    await db.schema.alterTable('outbox').addColumn('announced_state', 'text').execute();
    await sql`update outbox set announced_state = state where state in ('delivered', 'read')`.execute(db);
    await sql`create index outbox_ticks_due on outbox (updated_at) where state in ('delivered', 'read') and (announced_state is null or announced_state <> state)`.execute(db);
  },
  // A customer's ids (phone number, business-scoped user id) and the one key (giosg
  // thread) they belong to: README "Customers and their ids".
  async '0015_bsuid'(db) {
    await db.schema
      .createTable('customer_ids')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('customer_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('customer_key', 'text', (c) => c.notNull())
      .addColumn('retired', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('customer_ids_pk', ['tenant_id', 'customer_id'])
      .execute();
    await db.schema.createIndex('customer_ids_key').on('customer_ids').columns(['tenant_id', 'customer_key']).execute();
  },
  // Issue 25: the last Meta wiring check per tenant (subscription, phone, webhook callback),
  // and which secret a one-time link takes (the token, or the app secret during setup).
  async '0016_setup'(db) {
    await db.schema
      .createTable('wiring_checks')
      .addColumn('tenant_id', 'text', (c) => c.primaryKey())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('report', 'text', (c) => c.notNull())
      .addColumn('cause', 'text', (c) => c.notNull())
      .addColumn('checked_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.alterTable('links').addColumn('kind', 'text', (c) => c.notNull().defaultTo('token')).execute();
  },
};

class CodeMigrationProvider implements MigrationProvider {
  constructor(private readonly engine: Engine) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const [name, up] of Object.entries(migrations)) {
      out[name] = { up: (db) => up(db, this.engine) };
    }
    return out;
  }
}

export async function migrateToLatest(db: AnyDb, engine: Engine): Promise<string[]> {
  // Without a schema Kysely finds its bookkeeping tables in ANY schema of the database, so a
  // second schema (parallel test runs, a staging copy) makes it skip creating its own.
  const schema = engine === 'postgres' ? (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]?.s : undefined;
  const migrator = new Migrator({ db, provider: new CodeMigrationProvider(engine), ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
