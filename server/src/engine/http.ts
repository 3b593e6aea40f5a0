/**
 * One HTTP attempt over undici 7 (never its RetryAgent: retries live in `apiRunner.ts`, above the
 * limiter, so each attempt takes a slot and is counted). Every attempt has a deadline and honours
 * the run's AbortSignal. Credentials travel only in headers and never appear in errors.
 */
import { Agent, request } from 'undici';
import { CancelledError } from './sleep';

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** The request failed without a usable response. `sent` = the server may have received it. */
export class NetworkError extends Error {
  constructor(
    message: string,
    readonly sent: boolean,
    readonly timedOut: boolean,
    /** The system or TLS error code (`ECONNREFUSED`, `ERR_SSL_WRONG_VERSION_NUMBER`, …). */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'NetworkError';
  }
}

/** One connection pool per API per run, closed when the run ends (no lingering keep-alive sockets). */
export function createAgent(connections: number, timeoutMs: number): Agent {
  return new Agent({
    connections,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    keepAliveTimeout: 4_000,
  });
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  timeoutMs: number;
  dispatcher: Agent;
  signal?: AbortSignal;
}

export async function httpAttempt(attempt: HttpRequest): Promise<HttpResponse> {
  if (attempt.signal?.aborted) throw new CancelledError();
  const timeout = AbortSignal.timeout(attempt.timeoutMs);
  const signal = attempt.signal ? AbortSignal.any([attempt.signal, timeout]) : timeout;
  try {
    const res = await request(attempt.url, {
      method: attempt.method,
      headers: {
        accept: 'application/json',
        ...(attempt.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...attempt.headers,
      },
      body: attempt.body !== undefined ? JSON.stringify(attempt.body) : undefined,
      signal,
      dispatcher: attempt.dispatcher,
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text };
  } catch (err) {
    if (attempt.signal?.aborted) throw new CancelledError();
    const failure = err as { code?: string; name?: string; message?: string };
    const timedOut =
      timeout.aborted ||
      failure.code === 'UND_ERR_HEADERS_TIMEOUT' ||
      failure.code === 'UND_ERR_BODY_TIMEOUT' ||
      failure.name === 'TimeoutError';
    if (timedOut)
      throw new NetworkError(`no answer within ${attempt.timeoutMs / 1000} s`, true, true);
    // Refused connections never reached the server; anything else (reset, closed socket) may have.
    const code = (err as { cause?: { code?: string } }).cause?.code ?? failure.code;
    const refused = failure.code === 'ECONNREFUSED' || code === 'ECONNREFUSED';
    throw new NetworkError(
      `${failure.code ?? failure.name ?? 'network error'}: ${failure.message ?? String(err)}`,
      !refused,
      false,
      code,
    );
  }
}

/**
 * Errors that mean the base URL cannot work as configured, not a passing fault: nothing listens
 * there, the host name does not resolve, or TLS cannot be negotiated (e.g. https:// to a
 * plain-http port).
 */
export function isUnreachableCode(code: string | undefined): boolean {
  return (
    code !== undefined &&
    /^(ECONNREFUSED|ENOTFOUND|EPROTO|ERR_SSL_|ERR_TLS_|CERT_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_)/.test(
      code,
    )
  );
}

/** `Retry-After` as milliseconds: `60`, `60 Seconds`, `1.5`, or an HTTP date. */
export function parseRetryAfter(
  value: string | string[] | undefined,
  now = Date.now(),
): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  const seconds = /^\s*(\d+(?:\.\d+)?)/.exec(text);
  if (seconds) return Number(seconds[1]) * 1000;
  const date = Date.parse(text);
  if (!Number.isNaN(date)) return Math.max(0, date - now);
  return undefined;
}
