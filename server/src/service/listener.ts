/**
 * `serve`'s HTTP listener (node:http): `GET /healthz`, `GET /metrics` and, when enabled,
 * `POST /webhooks/starshipit`. Short timeouts everywhere: a slow or idle client cannot hold the
 * process, and a webhook body larger than the cap is refused before it is read.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIGNATURE_HEADER } from './trackingWebhook';

export const WEBHOOK_PATH = '/webhooks/starshipit';
/** An oversized body is drained (and dropped) up to this many times the cap, then cut off. */
const DRAIN_FACTOR = 16;

export interface Reply {
  status: number;
  contentType?: string;
  body: string;
}

export interface ListenerHandlers {
  health(): Reply;
  metrics(): Promise<Reply>;
  /** Undefined when tracking webhooks are off (the path then answers 404). */
  webhook?: { maxBytes: () => number; handle(body: Buffer, signature?: string): Reply };
  /** A refused webhook (too large) never reaches `handle`; it is reported here. */
  webhookRefused?: (reason: string) => void;
}

const json = (status: number, body: unknown): Reply => ({
  status,
  contentType: 'application/json',
  body: JSON.stringify(body) + '\n',
});

export class Listener {
  private readonly server: http.Server;

  private constructor(private readonly handlers: ListenerHandlers) {
    this.server = http.createServer((req, res) => this.route(req, res));
    this.server.requestTimeout = 10_000;
    this.server.headersTimeout = 5_000;
    this.server.keepAliveTimeout = 5_000;
  }

  /** Listens on `host:port` (port 0: a free one); rejects with a sentence naming the address. */
  static async start(address: string, handlers: ListenerHandlers): Promise<Listener> {
    const { host, port } = parseAddress(address);
    const listener = new Listener(handlers);
    await new Promise<void>((resolve, reject) => {
      listener.server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          new Error(
            `service.listen ${address}: ${err.code === 'EADDRINUSE' ? 'the address is already in use' : err.code === 'EADDRNOTAVAIL' ? 'no such address on this machine' : err.message}`,
          ),
        ),
      );
      listener.server.listen(port, host, () => resolve());
    });
    return listener;
  }

  /** The address actually listened on, e.g. `127.0.0.1:9464`. */
  get address(): string {
    const info = this.server.address() as AddressInfo;
    return info.family === 'IPv6'
      ? `[${info.address}]:${info.port}`
      : `${info.address}:${info.port}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    const send = (reply: Reply): void => {
      res.writeHead(reply.status, {
        'content-type': reply.contentType ?? 'text/plain; charset=utf-8',
      });
      res.end(reply.body);
    };
    if (path === '/healthz' && req.method === 'GET') return send(this.handlers.health());
    if (path === '/metrics' && req.method === 'GET') {
      this.handlers
        .metrics()
        .then(send, (err: unknown) =>
          send({ status: 500, body: `metrics unavailable: ${String(err)}\n` }),
        );
      return;
    }
    if (path === WEBHOOK_PATH && this.handlers.webhook) {
      if (req.method !== 'POST') return send(json(405, { error: 'use POST' }));
      return this.receive(req, res, this.handlers.webhook, send);
    }
    if (path === '/healthz' || path === '/metrics') return send(json(405, { error: 'use GET' }));
    send(json(404, { error: 'not found' }));
  }

  /**
   * Reads a webhook body up to the cap. A larger one is answered 413 at once and never kept: what
   * the sender still writes is discarded up to `DRAIN_FACTOR` times the cap (so an ordinary client
   * gets to read the answer), beyond that the connection is cut.
   */
  private receive(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    webhook: NonNullable<ListenerHandlers['webhook']>,
    send: (r: Reply) => void,
  ): void {
    const max = webhook.maxBytes();
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    const refuse = (): void => {
      refused = true;
      this.handlers.webhookRefused?.('too_large');
      send(json(413, { error: `the body is larger than ${max} bytes (service.webhookMaxBytes)` }));
      chunks.length = 0;
    };
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > max) {
      refuse();
      if (declared > max * DRAIN_FACTOR) req.destroy();
    }
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (refused) {
        if (size > max * DRAIN_FACTOR) req.destroy();
        return;
      }
      if (size > max) refuse();
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (refused) return;
      const signature = req.headers[SIGNATURE_HEADER];
      send(
        webhook.handle(Buffer.concat(chunks), Array.isArray(signature) ? signature[0] : signature),
      );
    });
    req.on('error', () => undefined);
  }
}

/** `host:port` or `[v6]:port`. */
export function parseAddress(address: string): { host: string; port: number } {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(address.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535)
    throw new Error(`service.listen "${address}" is not host:port (e.g. 127.0.0.1:9464)`);
  return { host: match[1] ?? match[2], port };
}

export { json as jsonReply };
