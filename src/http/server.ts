// The HTTP server: the lean Meta webhook path on bare node:http first, Express for the
// rest. Express alone tops out near a quarter of what node:http does with the same HMAC
// check (bench/README.md); the webhook route is the one that takes Meta's volume.
import http from 'node:http';
import type { Express } from 'express';
import type { Services } from '../services';
import { WebhookBatchWriter } from '../store/webhook-batch-writer';
import { metaWebhookFastPath } from '../meta/webhook-fast-path';

export type RequestListener = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** A request listener: the fast path when it recognises the request, otherwise the app. */
export function requestHandler(app: Express, s: Services): RequestListener {
  const writer = new WebhookBatchWriter(s.store);
  const fast = metaWebhookFastPath({ s, writer, onStored: (workMs) => s.events.emit('webhook.stored', { workMs }) });
  return (req, res) => {
    if (!fast(req, res)) app(req, res);
  };
}

export function createHttpServer(app: Express, s: Services): http.Server {
  const server = http.createServer(requestHandler(app, s));
  // Longer than a typical load balancer's idle timeout, so it closes first, not us.
  server.keepAliveTimeout = 65_000;
  return server;
}
