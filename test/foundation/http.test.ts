import request from 'supertest';
import express from 'express';
import { buildServices } from '../../src/services';
import { createApp } from '../../src/http/app';
import { createLogger } from '../../src/log';
import { testConfig, tempDatabase, TempDb, LogCapture } from '../../testkit/harness';
import type { Services } from '../../src/services';

describe('HTTP foundation', () => {
  let db: TempDb;
  let s: Services;
  let logs: LogCapture;

  beforeEach(async () => {
    db = await tempDatabase('sqlite');
    logs = new LogCapture();
    s = await buildServices(testConfig({ databaseUrl: db.url }), { logger: createLogger('info', logs) });
  });
  afterEach(async () => {
    await s.store.close();
    await db.drop();
  });

  it('answers liveness, readiness and metrics', async () => {
    const app = createApp(s);
    await request(app).get('/healthz').expect(200, { status: 'ok' });
    await request(app).get('/readyz').expect(200);
    const m = await request(app).get('/metrics').expect(200);
    expect(m.text).toContain('process_cpu_user_seconds_total');
    expect(m.text).toContain('whatsapp_sends_total');
    expect(m.text).toContain('http_request_duration_seconds');
  });

  it('reports unready when the database is gone', async () => {
    const app = createApp(s);
    await s.store.close();
    const r = await request(app).get('/readyz').expect(503);
    expect(r.body).toEqual({ status: 'unready', database: 'unreachable', writes: 'ok' });
  });

  it('sets security headers and hides the framework', async () => {
    const r = await request(createApp(s)).get('/healthz');
    expect(r.headers['x-powered-by']).toBeUndefined();
    expect(r.headers['x-frame-options']).toBe('DENY');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
    expect(r.headers['content-security-policy']).toContain("default-src 'none'");
    expect(r.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(r.headers['content-security-policy']).not.toContain('unsafe-inline');
  });

  it('answers unknown routes with a JSON 404', async () => {
    const r = await request(createApp(s)).get('/nope').expect(404);
    expect(r.body.error.code).toBe('not_found');
  });

  it('never leaks stack traces or messages of unexpected errors', async () => {
    const secret = 'EAAG-this-must-not-leak';
    const app = createApp(s, [
      (a) => {
        a.get('/boom', () => {
          throw new Error(`database exploded near ${secret}`);
        });
        a.post('/json', express.json({ limit: '1kb' }), (_req, res) => {
          res.json({ ok: true });
        });
      },
    ]);
    const r = await request(app).get('/boom').expect(500);
    expect(r.body).toEqual({ error: { code: 'internal', message: 'Internal error' } });
    expect(r.text).not.toContain(secret);
    expect(r.text).not.toContain('at ');
    await request(app).post('/json').set('content-type', 'application/json').send('{"a":').expect(400);
    await request(app).post('/json').set('content-type', 'application/json').send(JSON.stringify({ a: 'x'.repeat(4000) })).expect(413);
  });

  it('redacts secrets in structured logs', async () => {
    s.logger.info({ token: 'EAAG-secret-1', req: { headers: { authorization: 'Bearer EAAG-secret-2' } }, access_token: 'EAAG-secret-3' }, 'x');
    s.logger.flush?.();
    await new Promise((r) => setImmediate(r));
    const text = logs.text();
    expect(text).toContain('[redacted]');
    expect(text).not.toMatch(/EAAG-secret-\d/);
  });
});
