// The HTTP server: the Meta webhook intake on bare node:http first, Express for the rest.
import http from 'node:http';
import type { Express } from 'express';

export type RequestListener = (req: http.IncomingMessage, res: http.ServerResponse) => void;
/** Answers the request and returns true when it is its own; false leaves it to the app. */
export type FrontHandler = (req: http.IncomingMessage, res: http.ServerResponse) => boolean;

export function requestListener(front: FrontHandler, app: Express): RequestListener {
  return (req, res) => {
    if (!front(req, res)) app(req, res);
  };
}

export function createHttpServer(listener: RequestListener): http.Server {
  const server = http.createServer(listener);
  // Longer than a typical load balancer's idle timeout, so it closes first, not us.
  server.keepAliveTimeout = 65_000;
  return server;
}
