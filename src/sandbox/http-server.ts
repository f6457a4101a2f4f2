// Loopback listener shared by both simulators. They must never be reachable from another
// host (the Graph simulator hands out tokens to anyone who asks), so the address is fixed.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestListener } from 'node:http';

export interface Listening {
  server: http.Server;
  url: string;
  close(): Promise<void>;
}

export async function listenOnLoopback(handler: RequestListener, port = 0): Promise<Listening> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port: actual } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    server,
    url: `http://127.0.0.1:${actual}`,
    close() {
      // 'timeout' mode parks requests forever; without dropping them close() would hang.
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
