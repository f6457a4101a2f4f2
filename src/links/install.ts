// Installs the one-time link feature: the validation pipeline (s.validator), the link
// issuer the bot uses (s.links) and the /t/:id routes.
import type { RouteModule } from '../http/app';
import type { Services } from '../services';
import { LinkRepo } from '../store/link-repo';
import { TokenPipeline } from '../vault/validation';
import { LinkService } from './link-issuer';
import { linkCsrf } from './link-csrf';
import { DEFAULT_LIMITS, linkRoutes, type LinkRouteLimits } from './link-routes';

export interface LinkInstallOptions {
  limits?: Partial<LinkRouteLimits>;
}

export function installLinks(s: Services, o: LinkInstallOptions = {}): RouteModule {
  const validator = new TokenPipeline(s.tenants, s.graph, s.clock);
  s.validator = validator;
  const repo = new LinkRepo(s.store.db);
  s.links = new LinkService(repo, s.clock, {
    publicBaseUrl: s.config.publicBaseUrl,
    ttlMs: s.config.linkTtlMs,
    tenantExists: async (id) => (await s.tenants.get(id)) !== null,
  });
  const csrf = linkCsrf({ encryptionKey: s.config.encryptionKeys[0], secureCookies: s.config.publicBaseUrl.startsWith('https://') });
  const mount = linkRoutes(s, { repo, validator, csrf, limits: { ...DEFAULT_LIMITS, ...o.limits } });
  return (app) => mount(app);
}
