// Reading (and dropping) the rest of a refused request body before answering. A server
// that answers 413 while the client is still sending stops reading the socket (Node does
// once the response is done), so the client's writes stall or fail (EPIPE / ECONNRESET)
// and it never reads the answer. Draining first lets the client finish sending and read
// the 413; past a cap the connection is cut anyway, so nobody can stream forever.
import type { IncomingMessage } from 'node:http';

/** How much of a refused body is read and dropped before the connection is cut unanswered. */
export const MAX_DRAIN_BYTES = 32 * 1024 * 1024;

/** Calls `then` once the request body has been read to its end (at once if it already was). */
export function discardRest(req: IncomingMessage, then: () => void, maxBytes = MAX_DRAIN_BYTES): void {
  if (req.complete) return then();
  if (req.destroyed) return;
  let seen = 0;
  // Earlier readers (body-parser, our own) may have paused or unpiped it.
  req.removeAllListeners('data');
  req.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > maxBytes) req.socket.destroy();
  });
  req.once('end', then);
  req.resume();
}
