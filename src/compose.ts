// Wires the features into one running service. Each feature exposes install(s): it adds
// its parts to Services, registers its background workers and returns its routes.
// First: defers Botkit's unused text recognizers before anything loads them (memory).
import './bot/lazy-recognizers';
import type { Config } from './config';
import { buildServices, ServiceOverrides, Services } from './services';
import { createApp, RouteModule } from './http/app';
import { installLinks } from './links/install';
import type { Express } from 'express';
import { installChannel } from './outbox/install-channel';
import { installBot } from './bot/install';

export interface Composed {
  services: Services;
  app: Express;
}

/** `extraRoutes` are mounted after the features (the sandbox playground uses it). */
export async function compose(config: Config, overrides: ServiceOverrides = {}, extraRoutes: RouteModule[] = []): Promise<Composed> {
  const s = await buildServices(config, overrides);
  const features: RouteModule[] = [
    // feature installs are added here, in dependency order
    installChannel(s),
    installBot(s),
    installLinks(s),
  ];
  return { services: s, app: createApp(s, [...features, ...extraRoutes]) };
}
