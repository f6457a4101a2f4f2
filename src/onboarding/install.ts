// Builds onboarding as a giosg App: the trigger route and the installer. Nothing is mounted
// unless GIOSG_APP_ID and GIOSG_APP_SECRET are configured.
import type { Express } from 'express';
import type { Services } from '../services';
import type { RouteModule } from '../http/app';
import type { ChannelControl } from '../channel/channel-types';
import { AppInstaller, type InstallerEvents } from './app-installer';
import { triggerRoutes } from './trigger-route';

export interface OnboardingFeature {
  installer: AppInstaller | null;
  routes: RouteModule;
}

export interface OnboardingNeeds {
  channel: ChannelControl;
  /** Starts the setup dialog with the installing admin (the bot feature's). */
  startSetup: InstallerEvents['installed'];
}

export function buildOnboarding(s: Services, n: OnboardingNeeds): OnboardingFeature {
  const app = s.config.giosgApp;
  if (!app) return { installer: null, routes: () => undefined };
  const installer = new AppInstaller(s, app, { installed: n.startSetup, released: (tenantId) => n.channel.kick(tenantId) });
  return { installer, routes: (e: Express) => triggerRoutes(e, s, app, installer) };
}
