// Builds the one-time link feature: the issuer the bot hands links out with, and the
// /t/:id routes where an admin submits a token (validated with the core's validation).
import type { RouteModule } from '../http/app';
import type { Services } from '../services';
import { LinkRepo } from '../store/link-repo';
import { LinkService } from './link-issuer';
import { linkCsrf } from './link-csrf';
import { DEFAULT_LIMITS, linkRoutes, type LinkRouteLimits } from './link-routes';
import type { LinkIssuer } from './link-types';

export interface LinkInstallOptions {
  limits?: Partial<LinkRouteLimits>;
}

export interface LinksFeature {
  issuer: LinkIssuer;
  routes: RouteModule;
}

export function buildLinks(s: Services, o: LinkInstallOptions = {}): LinksFeature {
  const repo = new LinkRepo(s.store.db);
  const issuer = new LinkService(repo, s.clock, {
    publicBaseUrl: s.config.publicBaseUrl,
    ttlMs: s.config.linkTtlMs,
    tenantExists: async (id) => (await s.tenants.get(id)) !== null,
  });
  const csrf = linkCsrf({ encryptionKey: s.config.encryptionKeys[0], secureCookies: s.config.publicBaseUrl.startsWith('https://') });
  const routes = linkRoutes(s, { repo, validator: s.validation, csrf, limits: { ...DEFAULT_LIMITS, ...o.limits } });
  return { issuer, routes };
}
