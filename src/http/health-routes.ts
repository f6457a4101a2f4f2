import type { Express } from 'express';
import type { Services } from '../services';

export function healthRoutes(app: Express, s: Services): void {
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const db = await s.store.ping();
    const writeError = s.store.writes.failing();
    const ready = db && !writeError;
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'unready',
      database: db ? 'ok' : 'unreachable',
      writes: writeError ? 'failing' : 'ok',
      ...(writeError ? { lastWriteError: writeError } : {}),
    });
  });
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', s.metrics.registry.contentType);
    res.send(await s.metrics.registry.metrics());
  });
}
