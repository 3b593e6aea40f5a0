/**
 * The HTTP pipeline shared by both vendor surfaces: read the request, log it, gate it (auth, rate
 * limit), roll the fault dice, run the handler and send (or deliberately mangle) the reply.
 * Handlers are synchronous over in-memory state, so "apply then drop" is exact.
 */
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { CallLogEntry } from './api';
import type { FaultDecision } from './faults';
import { errorMessage } from '../../protocol/errorMessage';

export interface Reply {
  status: number;
  /** JSON value, or a string sent as-is with `contentType`. */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface RequestCtx {
  method: string;
  /** Raw pathname (not decoded further). */
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  bodyText: string;
}

export class BadJsonError extends Error {}

/** Parse the request body; throws BadJsonError with the parser's message. Empty body → undefined. */
export function readJson(ctx: RequestCtx): unknown {
  if (!ctx.bodyText.trim()) return undefined;
  try {
    return JSON.parse(ctx.bodyText) as unknown;
  } catch (err) {
    throw new BadJsonError(errorMessage(err));
  }
}

/** Case-insensitive query lookup (Cin7 binds parameter names ASP.NET-style). */
export function queryParam(query: URLSearchParams, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, value] of query) if (key.toLowerCase() === lower) return value;
  return undefined;
}

export interface Gate {
  /** Name used by fault rules and the call log, e.g. `saleList`. */
  route: string;
  key?: string;
  /** Refuse before the handler runs (auth, throttle, unknown path). */
  reply?: Reply;
  /** When refused by the limiter: tag for the log. */
  throttled?: boolean;
}

export interface Surface {
  api: 'dear' | 'starshipit';
  gate(ctx: RequestCtx): Gate;
  handle(ctx: RequestCtx, gate: Gate): Reply;
  /** What a throttle-storm fault answers. */
  throttleReply(): Reply;
  /** What an injected NNN fault answers. */
  faultReply(status: number): Reply;
}

export interface ControlSurface {
  handle(ctx: RequestCtx): Reply | undefined;
}

export interface PipelineHooks {
  log(entry: CallLogEntry): void;
  decideFault(api: 'dear' | 'starshipit', method: string, route: string): FaultDecision;
  /** Called after any handler that may have changed state ran. */
  afterWrite(): void;
  control?: ControlSurface;
}

function encode(reply: Reply): { body: Buffer; type: string } {
  if (reply.body === undefined)
    return { body: Buffer.alloc(0), type: reply.contentType ?? 'application/json; charset=utf-8' };
  if (typeof reply.body === 'string' && reply.contentType)
    return { body: Buffer.from(reply.body, 'utf8'), type: reply.contentType };
  return {
    body: Buffer.from(JSON.stringify(reply.body), 'utf8'),
    type: 'application/json; charset=utf-8',
  };
}

const HTML_PAGE =
  '<!DOCTYPE html><html><head><title>Sign in</title></head><body><h1>Something went wrong</h1>' +
  '<p>The page you requested is not available. (sandbox fault: html)</p></body></html>';

export class ApiServer {
  private server: http.Server;
  private sockets = new Set<Socket>();
  private timers = new Set<NodeJS.Timeout>();
  private closed = false;
  port = 0;

  constructor(
    private readonly surface: Surface,
    private readonly hooks: PipelineHooks,
  ) {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void this.serve(req, res, Buffer.concat(chunks).toString('utf8')).catch((err: unknown) => {
          if (!res.headersSent && !res.destroyed) {
            res.writeHead(500, { 'content-type': 'text/plain' });
            res.end(
              `sandbox internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
            );
          }
        });
      });
      req.on('error', () => undefined);
    });
    this.server.keepAliveTimeout = 5000;
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) =>
        reject(
          new Error(
            `sandbox: cannot listen on 127.0.0.1:${port} for ${this.surface.api}: ${err.message}`,
          ),
        );
      this.server.once('error', onError);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', onError);
        this.port = (this.server.address() as AddressInfo).port;
        resolve(this.port);
      });
    });
  }

  private wait(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  /** Control call, gate, fault, handler, reply: one request through the pipeline. */
  private async serve(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    bodyText: string,
  ): Promise<void> {
    const { ctx, entry } = this.readRequest(req, bodyText);
    if (this.hooks.control && /^\/__sandbox(\/|$)/i.test(ctx.path)) {
      entry.api = 'control';
      this.answer(
        res,
        entry,
        this.hooks.control.handle(ctx) ?? {
          status: 404,
          body: { error: `no control endpoint ${ctx.method} ${ctx.path}` },
        },
      );
      return;
    }

    const gate = this.surface.gate(ctx);
    if (gate.key) entry.key = gate.key;
    if (gate.reply) {
      if (gate.throttled) entry.fault = 'rate-limit';
      this.answer(res, entry, gate.reply);
      return;
    }

    const fault = this.hooks.decideFault(this.surface.api, ctx.method, gate.route);
    if (fault.label) entry.fault = fault.label;
    if (fault.delayMs > 0) await this.wait(fault.delayMs);
    if (this.closed) return;
    if (this.answerInsteadOfHandler(fault, req, res, entry)) return;

    const reply = this.surface.handle(ctx, gate);
    entry.status = reply.status;
    this.hooks.log(entry);
    if (ctx.method !== 'GET') this.hooks.afterWrite();
    await this.sendAfterHandler(fault, req, res, reply);
  }

  /** The request as handlers see it, and its call-log entry (status 0 until answered). */
  private readRequest(
    req: http.IncomingMessage,
    bodyText: string,
  ): { ctx: RequestCtx; entry: CallLogEntry } {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const ctx: RequestCtx = {
      method: (req.method ?? 'GET').toUpperCase(),
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      bodyText,
    };
    const entry: CallLogEntry = {
      at: Date.now(),
      api: this.surface.api,
      method: ctx.method,
      route: url.pathname,
      query: url.search.replace(/^\?/, ''),
      status: 0,
    };
    return { ctx, entry };
  }

  /**
   * Faults that replace the handler (reset, status, throttle, html): answer and return true.
   * The handler never runs, so nothing changes.
   */
  private answerInsteadOfHandler(
    fault: FaultDecision,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    entry: CallLogEntry,
  ): boolean {
    switch (fault.kind) {
      case 'reset':
        this.hooks.log(entry);
        req.socket.destroy();
        return true;
      case 'status':
        this.answer(res, entry, this.surface.faultReply(fault.status ?? 500));
        return true;
      case 'throttle':
        this.answer(res, entry, this.surface.throttleReply());
        return true;
      case 'html':
        this.answer(res, entry, {
          status: 200,
          body: HTML_PAGE,
          contentType: 'text/html; charset=utf-8',
        });
        return true;
      default:
        return false;
    }
  }

  /** Send the handler's reply, or (commit-reset, slow, truncate) lose or mangle it after the change. */
  private async sendAfterHandler(
    fault: FaultDecision,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    reply: Reply,
  ): Promise<void> {
    if (fault.kind === 'commit-reset') {
      req.socket.destroy();
      return;
    }
    if (fault.kind === 'slow') {
      await this.wait(fault.slowMs ?? 35_000);
      if (this.closed || res.destroyed) return;
    }
    if (fault.kind === 'truncate') {
      const { body, type } = encode(reply);
      // Chunked, cut in half, ended normally: the client sees a "complete" response it cannot parse.
      res.writeHead(reply.status, { ...reply.headers, 'content-type': type });
      res.end(body.subarray(0, Math.floor(body.length / 2)));
      return;
    }
    this.send(res, reply);
  }

  /** Log the call with the reply's status, then send the reply. */
  private answer(res: http.ServerResponse, entry: CallLogEntry, reply: Reply): void {
    entry.status = reply.status;
    this.hooks.log(entry);
    this.send(res, reply);
  }

  private send(res: http.ServerResponse, reply: Reply): void {
    if (res.destroyed) return;
    const { body, type } = encode(reply);
    res.writeHead(reply.status, {
      ...reply.headers,
      'content-type': type,
      'content-length': String(body.length),
    });
    res.end(body);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
      this.server.closeAllConnections();
    });
  }
}
