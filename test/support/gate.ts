/**
 * A loopback HTTP gate in front of an API: while closed it holds every request it receives (the
 * client waits as it would on a slow server), and once opened it forwards the held ones and every
 * later one to the target unchanged. A test uses it to keep a run inside its first call for as long
 * as the test needs, instead of guessing how long a delay must be on a loaded machine.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Gate {
  /** The target URL with its origin replaced by the gate's (use it as the API's base URL). */
  url: string;
  /** Resolves once `count` requests have arrived while the gate was closed. */
  held(count?: number): Promise<void>;
  /** Forwards the held requests and lets every later one through. */
  open(): void;
  close(): Promise<void>;
}

export async function gate(targetUrl: string): Promise<Gate> {
  const target = new URL(targetUrl);
  let isOpen = false;
  let heldCount = 0;
  const held: (() => void)[] = [];
  const heldWaiters: { count: number; resolve: () => void }[] = [];

  const forward = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void => {
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    upstream.end(body);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (): void => forward(req, res, Buffer.concat(chunks));
      if (isOpen) return send();
      held.push(send);
      heldCount++;
      for (const w of heldWaiters.filter((waiter) => heldCount >= waiter.count)) {
        heldWaiters.splice(heldWaiters.indexOf(w), 1);
        w.resolve();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = new URL(targetUrl);
  url.host = `127.0.0.1:${port}`;

  return {
    url: url.toString(),
    held: (count = 1) =>
      heldCount >= count
        ? Promise.resolve()
        : new Promise<void>((resolve) => heldWaiters.push({ count, resolve })),
    open: () => {
      isOpen = true;
      for (const send of held.splice(0)) send();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
