// Mounts /playground (sandbox only): the page, its two static files and its JSON API.
// Served under the app-wide CSP (script and style from 'self' only, no inline code).
import fs from 'node:fs';
import path from 'node:path';
import type { RouteModule } from '../http/app';
import type { Services } from '../services';
import type { ChannelControl } from '../channel/channel-types';
import { normalizeLocale } from '../i18n';
import { playgroundApi, type PlaygroundContext } from './playground-api';
import { playgroundDir, renderPlayground } from './playground-page';
import { playgroundMediaApi } from './playground-media-api';

const ASSETS: Record<string, string> = {
  'playground.css': 'text/css; charset=utf-8',
  'playground.js': 'text/javascript; charset=utf-8',
};

export function playgroundRoutes(s: Services, channel: ChannelControl, ctx: PlaygroundContext): RouteModule {
  const dir = playgroundDir();
  const template = fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
  const assets = new Map(Object.entries(ASSETS).map(([name, type]) => [name, { type, body: fs.readFileSync(path.join(dir, name)) }]));

  return (app) => {
    app.get('/playground', (req, res) => {
      const lang = normalizeLocale(typeof req.query.lang === 'string' ? req.query.lang : undefined, s.config.defaultLocale);
      res.set('Cache-Control', 'no-store').type('html').send(renderPlayground(template, lang));
    });
    app.get('/playground/static/:file', (req, res, next) => {
      const asset = assets.get(req.params.file);
      if (!asset) return next();
      res.set('Cache-Control', 'no-cache').type(asset.type).send(asset.body);
    });
    app.use('/playground/api/media', playgroundMediaApi(ctx));
    app.use('/playground/api', playgroundApi(s, channel, ctx));
  };
}
