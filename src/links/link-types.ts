// What the bot needs from the one-time link feature.
export interface IssueLinkRequest {
  tenantId: string;
  adminUserId: string;
  chatId: string;
  locale: string;
}

export interface IssuedLink {
  url: string;
  expiresAt: number;
}

export interface LinkIssuer {
  issue(req: IssueLinkRequest): Promise<IssuedLink>;
}
