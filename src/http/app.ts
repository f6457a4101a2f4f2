// The Express application factory. Feature routers are mounted here; everything they
// need comes in through Services so tests get a real app with injected parts.
import express, { Express } from 'express';
import helmet from 'helmet';
import type { Services } from '../services';
import { errorHandler, notFound } from './errors';
import { healthRoutes } from './health-routes';
import { requestMetrics } from './request-metrics';

/** A feature's routes. Each module owns its own body parsing (raw bytes for signatures). */
export type RouteModule = (app: Express) => void;

export function createApp(s: Services, features: RouteModule[] = []): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'none'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
        },
      },
      frameguard: { action: 'deny' },
      referrerPolicy: { policy: 'no-referrer' },
    }),
  );
  app.use(requestMetrics(s.metrics));
  healthRoutes(app, s);
  for (const mount of features) mount(app);
  app.use(notFound);
  app.use(errorHandler(s.logger));
  return app;
}
