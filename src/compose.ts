// Wires the service together, top to bottom: the core (store, vault with its validation,
// clients), then each feature from exactly what it needs. Nothing here depends on the
// order in which features register themselves: each build* returns its parts.
// First: defers Botkit's unused text recognizers before anything loads them (memory).
import './bot/lazy-recognizers';
import type { Express } from 'express';
import type { Config } from './config';
import { buildServices, ServiceOverrides, Services } from './services';
import { createApp, RouteModule } from './http/app';
import { requestListener, type RequestListener } from './http/server';
import type { Worker } from './worker';
import { SwapWatcher } from './vault/swap-watcher';
import { buildChannel, type ChannelFeature } from './channel/install';
import { buildLinks, type LinksFeature } from './links/install';
import { buildBot, type BotFeature } from './bot/install';
import { buildOnboarding, type OnboardingFeature } from './onboarding/install';
import { buildSetup } from './onboarding/setup-install';
import { buildWiring } from './onboarding/wiring-install';
import type { WiringChecker } from './onboarding/wiring-check';

export interface Composed {
  services: Services;
  channel: ChannelFeature;
  links: LinksFeature;
  bot: BotFeature;
  onboarding: OnboardingFeature;
  /** The Meta wiring check (after setup and every token swap). */
  wiring: WiringChecker;
  /** The Express app (everything but the Meta webhook intake). */
  app: Express;
  /** The server's request listener: the webhook intake first, then the app. */
  handler: RequestListener;
  /** Started by main.ts after listening; stopped before the store closes. */
  workers: Worker[];
}

export interface Features {
  services: Services;
  channel: ChannelFeature;
  links: LinksFeature;
  bot: BotFeature;
}

/** Routes mounted after the features' own (the sandbox playground). */
export type ExtraRoutes = (f: Features) => RouteModule[];

export async function compose(config: Config, overrides: ServiceOverrides = {}, extraRoutes: ExtraRoutes = () => []): Promise<Composed> {
  const services = await buildServices(config, overrides);

  // Swaps made by another process (CLI, another instance) become local token.changed events.
  const watcher = new SwapWatcher(services);
  services.events.on('token.changed', (e) => watcher.noteLocal(e.tenantId, e.versionId));

  const channel = buildChannel(services);
  const links = buildLinks(services);
  const bot = buildBot(services, { channel: channel.control, links: links.issuer });
  const wiring = buildWiring(services, { bot: bot.runtime });
  const setup = buildSetup(services, { bot: bot.runtime, links: links.issuer, channel: channel.control, wiring });
  const onboarding = buildOnboarding(services, { channel: channel.control, startSetup: setup.start });

  const features: Features = { services, channel, links, bot };
  const app = createApp(services, [channel.routes, bot.routes, links.routes, onboarding.routes, ...extraRoutes(features)]);
  return {
    ...features,
    onboarding,
    wiring,
    app,
    handler: requestListener(channel.intake, app),
    workers: [watcher, ...channel.workers, ...bot.workers],
  };
}
