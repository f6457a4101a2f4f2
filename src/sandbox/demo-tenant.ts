// The sandbox's demo tenant: fixed, recognisable ids and secrets derived from the sandbox
// encryption key, so a restart with the same ./data finds the same tenant and the same
// webhook secrets without storing anything extra.
import { createHmac, randomBytes } from 'node:crypto';
import type { TenantInput } from '../vault/tenants';
import type { SimPhone, SimToken } from './graph-types';

export const DEMO = {
  metaAppId: '100000000000001',
  metaAppName: 'Sandbox WhatsApp app',
  wabaId: '200000000000002',
  phoneNumberId: '300000000000003',
  displayPhoneNumber: '+358 40 000 0003',
  verifiedName: 'Sandbox Coffee Oy',
  giosgOrganizationId: 'sandbox-org',
  giosgBotUserId: 'sandbox-bot',
  giosgAdminTeamId: 'sandbox-admins',
  giosgUmiChannelId: 'sandbox-whatsapp',
  /** The admin's own chat with the bot in the playground. */
  adminChatId: 'sandbox-admin-chat',
} as const;

export const WHATSAPP_SCOPES = ['whatsapp_business_management', 'whatsapp_business_messaging'];

export interface DemoSecrets {
  metaAppSecret: string;
  metaVerifyToken: string;
  giosgApiToken: string;
  giosgWebhookSecret: string;
  /** The sandbox's own giosg App, so the playground can install it for a new organization. */
  giosgAppSecret: string;
}

/** Stable per sandbox key, different between sandboxes; never printed. */
export function deriveDemoSecrets(key: Buffer): DemoSecrets {
  const derive = (label: string) => createHmac('sha256', key).update(`sandbox:${label}`).digest('base64url').slice(0, 32);
  return {
    metaAppSecret: derive('meta-app-secret'),
    metaVerifyToken: derive('meta-verify-token'),
    giosgApiToken: derive('giosg-api-token'),
    giosgWebhookSecret: derive('giosg-webhook-secret'),
    giosgAppSecret: derive('giosg-app-secret'),
  };
}

export function demoTenantInput(tenantId: string, secrets: DemoSecrets, defaultLocale: 'en' | 'fi' | 'sv'): TenantInput {
  return {
    id: tenantId,
    name: DEMO.verifiedName,
    metaAppId: DEMO.metaAppId,
    metaAppName: DEMO.metaAppName,
    metaAppSecret: secrets.metaAppSecret,
    metaVerifyToken: secrets.metaVerifyToken,
    wabaId: DEMO.wabaId,
    phoneNumberId: DEMO.phoneNumberId,
    giosgApiToken: secrets.giosgApiToken,
    giosgOrganizationId: DEMO.giosgOrganizationId,
    giosgBotUserId: DEMO.giosgBotUserId,
    giosgWebhookSecret: secrets.giosgWebhookSecret,
    giosgAdminTeamId: DEMO.giosgAdminTeamId,
    giosgUmiChannelId: DEMO.giosgUmiChannelId,
    defaultLocale,
  };
}

export const demoPhone: SimPhone = {
  id: DEMO.phoneNumberId,
  wabaId: DEMO.wabaId,
  displayPhoneNumber: DEMO.displayPhoneNumber,
  verifiedName: DEMO.verifiedName,
};

/** A token shaped like Meta's (opaque, long), with what a correctly made system user token has. */
export function newDemoToken(): SimToken {
  return {
    token: `EAAG${randomBytes(90).toString('base64url')}`,
    appId: DEMO.metaAppId,
    type: 'SYSTEM_USER',
    scopes: [...WHATSAPP_SCOPES],
    targetIds: [DEMO.wabaId],
    expiresAt: 0,
  };
}
