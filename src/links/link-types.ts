// What the bot needs from the one-time link feature.
export interface IssueLinkRequest {
  tenantId: string;
  adminUserId: string;
  chatId: string;
  locale: string;
  /** What the link takes: the WhatsApp token (default) or, during setup, the Meta app secret. */
  kind?: LinkKind;
}

export type LinkKind = 'token' | 'app_secret';

export interface IssuedLink {
  url: string;
  expiresAt: number;
}

export interface LinkIssuer {
  issue(req: IssueLinkRequest): Promise<IssuedLink>;
}
