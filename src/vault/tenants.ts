// Tenants as the rest of the service sees them: plain typed values with secrets opened.
// Cached in memory because every webhook needs its tenant's secret.
import { SecretBox } from './crypto';
import { TenantRepo, TenantRow } from '../store/tenant-repo';
import type { Clock } from '../clock';

export type Locale = 'en' | 'fi' | 'sv';

export interface Tenant {
  id: string;
  name: string;
  metaAppId: string;
  metaAppName: string | null;
  metaAppSecret: string;
  metaVerifyToken: string;
  wabaId: string;
  phoneNumberId: string;
  giosgApiToken: string;
  giosgOrganizationId: string;
  giosgBotUserId: string;
  giosgWebhookSecret: string;
  giosgAdminTeamId: string | null;
  giosgUmiChannelId: string | null;
  defaultLocale: Locale;
}

export type TenantInput = Omit<Tenant, 'name' | 'metaAppName' | 'giosgAdminTeamId' | 'giosgUmiChannelId' | 'defaultLocale'> & {
  name?: string;
  metaAppName?: string | null;
  giosgAdminTeamId?: string | null;
  giosgUmiChannelId?: string | null;
  defaultLocale?: Locale;
};

const SECRET_FIELDS = {
  metaAppSecret: 'meta_app_secret',
  metaVerifyToken: 'meta_verify_token',
  giosgApiToken: 'giosg_api_token',
  giosgWebhookSecret: 'giosg_webhook_secret',
} as const;

const TENANT_CACHE_MS = 5_000;

/** `value` is set once the lookup resolves, for peek(). */
interface CacheEntry {
  at: number;
  hit: Promise<Tenant | null>;
  value?: Tenant;
}

export class TenantService {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    private readonly repo: TenantRepo,
    private readonly box: SecretBox,
    private readonly clock: Clock,
  ) {}

  get(tenantId: string): Promise<Tenant | null> {
    // Entries expire: the CLI or another instance may add or change a tenant, and this
    // process must see it without a restart. An unknown tenant is not remembered at all.
    const cached = this.cache.get(tenantId);
    if (cached && Date.now() - cached.at < TENANT_CACHE_MS) return cached.hit;
    const hit = this.repo.get(tenantId).then((row) => (row ? this.fromRow(row) : null));
    const entry: CacheEntry = { at: Date.now(), hit };
    this.cache.set(tenantId, entry);
    const forget = () => {
      if (this.cache.get(tenantId) === entry) this.cache.delete(tenantId);
    };
    hit.then((t) => (t === null ? forget() : (entry.value = t)), forget);
    return hit;
  }

  /**
   * The tenant when a fresh cached copy is at hand, without a promise (the webhook fast
   * path asks this first on every request); undefined means ask get().
   */
  peek(tenantId: string): Tenant | undefined {
    const cached = this.cache.get(tenantId);
    return cached && Date.now() - cached.at < TENANT_CACHE_MS ? cached.value : undefined;
  }

  async list(): Promise<Tenant[]> {
    const rows = await this.repo.list();
    return rows.map((r) => this.fromRow(r));
  }

  async add(input: TenantInput): Promise<Tenant> {
    const now = this.clock.now();
    await this.repo.insert(this.toRow(input, now, now));
    this.cache.delete(input.id);
    return (await this.get(input.id))!;
  }

  /**
   * Creates or replaces a tenant. Fields the input leaves out (the environment seed has no
   * display name or Meta app name) keep what the CLI set, rather than falling back to defaults.
   */
  async upsert(input: TenantInput): Promise<'inserted' | 'updated'> {
    const existing = await this.repo.get(input.id);
    const now = this.clock.now();
    const merged: TenantInput = existing
      ? { ...input, name: input.name ?? existing.name, metaAppName: input.metaAppName !== undefined ? input.metaAppName : existing.meta_app_name }
      : input;
    const row = this.toRow(merged, existing ? Number(existing.created_at) : now, now);
    // One atomic upsert: several instances seed the same tenant when they start together.
    const outcome = await this.repo.upsert(row);
    const result = existing ? ('updated' as const) : outcome;
    this.cache.delete(input.id);
    return result;
  }

  async update(tenantId: string, patch: Partial<Omit<TenantInput, 'id'>>): Promise<Tenant | null> {
    const current = await this.get(tenantId);
    if (!current) return null;
    const merged: TenantInput = { ...current, ...patch, id: tenantId };
    const existing = await this.repo.get(tenantId);
    await this.repo.update(tenantId, this.toRow(merged, Number(existing!.created_at), this.clock.now()));
    this.cache.delete(tenantId);
    return this.get(tenantId);
  }

  invalidate(tenantId?: string): void {
    if (tenantId === undefined) this.cache.clear();
    else this.cache.delete(tenantId);
  }

  private toRow(t: TenantInput, createdAt: number, updatedAt: number): TenantRow {
    const seal = (field: keyof typeof SECRET_FIELDS, value: string) => this.box.seal(value, `tenant:${t.id}:${SECRET_FIELDS[field]}`);
    const appSecret = seal('metaAppSecret', t.metaAppSecret);
    const verify = seal('metaVerifyToken', t.metaVerifyToken);
    const giosgToken = seal('giosgApiToken', t.giosgApiToken);
    const hookSecret = seal('giosgWebhookSecret', t.giosgWebhookSecret);
    return {
      tenant_id: t.id,
      name: t.name ?? t.id,
      meta_app_id: t.metaAppId,
      meta_app_name: t.metaAppName ?? null,
      meta_app_secret_key_id: appSecret.keyId,
      meta_app_secret_box: appSecret.box,
      meta_verify_token_key_id: verify.keyId,
      meta_verify_token_box: verify.box,
      waba_id: t.wabaId,
      phone_number_id: t.phoneNumberId,
      giosg_api_token_key_id: giosgToken.keyId,
      giosg_api_token_box: giosgToken.box,
      giosg_organization_id: t.giosgOrganizationId,
      giosg_bot_user_id: t.giosgBotUserId,
      giosg_webhook_secret_key_id: hookSecret.keyId,
      giosg_webhook_secret_box: hookSecret.box,
      giosg_admin_team_id: t.giosgAdminTeamId ?? null,
      giosg_umi_channel_id: t.giosgUmiChannelId ?? null,
      default_locale: t.defaultLocale ?? 'en',
      created_at: createdAt,
      updated_at: updatedAt,
    };
  }

  private fromRow(r: TenantRow): Tenant {
    const open = (field: keyof typeof SECRET_FIELDS, keyId: string, box: string) =>
      this.box.open({ keyId, box }, `tenant:${r.tenant_id}:${SECRET_FIELDS[field]}`);
    return {
      id: r.tenant_id,
      name: r.name,
      metaAppId: r.meta_app_id,
      metaAppName: r.meta_app_name,
      metaAppSecret: open('metaAppSecret', r.meta_app_secret_key_id, r.meta_app_secret_box),
      metaVerifyToken: open('metaVerifyToken', r.meta_verify_token_key_id, r.meta_verify_token_box),
      wabaId: r.waba_id,
      phoneNumberId: r.phone_number_id,
      giosgApiToken: open('giosgApiToken', r.giosg_api_token_key_id, r.giosg_api_token_box),
      giosgOrganizationId: r.giosg_organization_id,
      giosgBotUserId: r.giosg_bot_user_id,
      giosgWebhookSecret: open('giosgWebhookSecret', r.giosg_webhook_secret_key_id, r.giosg_webhook_secret_box),
      giosgAdminTeamId: r.giosg_admin_team_id,
      giosgUmiChannelId: r.giosg_umi_channel_id,
      defaultLocale: (['en', 'fi', 'sv'].includes(r.default_locale) ? r.default_locale : 'en') as Locale,
    };
  }
}
