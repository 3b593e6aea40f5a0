/**
 * Pieces of the secrets-and-trust suite: distinctive secret values and every encoded form a leak
 * could take, a loopback proxy that lets those values authenticate against the sandbox (whose own
 * credentials are fixed), and a `--require` guard that records — and blocks — any attempt of a
 * child process to open a socket to a non-loopback address, so "refused before any request" is
 * observed, and no traffic ever leaves the machine.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { tempDir } from '../support/paths';

/** `SECRET-XYZZY-<random>-<label>+/=` — the `+/=` make the URL-encoded form differ from the raw one. */
export function distinctiveSecret(label: string): string {
  return `SECRET-XYZZY-${Math.random().toString(36).slice(2, 10)}${Date.now().toString(36)}-${label}+/=`;
}

/** Every form of `secret` worth searching for: raw, its random core, URL-encoded, JSON-escaped, base64 at each alignment, hex. */
export function leakForms(secret: string): string[] {
  const core = secret.split('-')[2];
  const forms = new Set([
    secret,
    core,
    encodeURIComponent(secret),
    JSON.stringify(secret).slice(1, -1),
    Buffer.from(secret).toString('hex'),
  ]);
  for (const pad of ['', 'x', 'xx']) {
    const b64 = Buffer.from(pad + secret).toString('base64');
    // Drop the characters that depend on the neighbouring bytes; what is left is fixed for any context.
    forms.add(b64.slice(pad.length ? 4 : 0, b64.length - 4));
    forms.add(
      Buffer.from(pad + secret)
        .toString('base64url')
        .slice(pad.length ? 4 : 0, b64.length - 4),
    );
  }
  return [...forms].filter((f) => f.length >= 8);
}

/** Names of the forms of any secret found in `text` (empty when clean). */
export function findLeaks(text: string, secrets: string[]): string[] {
  const hits: string[] = [];
  for (const s of secrets)
    for (const f of leakForms(s)) if (text.includes(f)) hits.push(`${s.split('-').pop()} as ${f}`);
  return hits;
}

/** All files below `dir`, concatenated (binary-safe via latin1 + utf8 both). */
export function readTree(dir: string): string {
  let out = '';
  if (!fs.existsSync(dir)) return out;
  for (const name of fs.readdirSync(dir)) {
    const p = path.join(dir, name);
    const st = fs.statSync(p);
    if (st.isDirectory()) out += readTree(p);
    else {
      const b = fs.readFileSync(p);
      out += `\n--- ${p}\n${b.toString('utf8')}\n${b.toString('latin1')}`;
    }
  }
  return out;
}

export interface AuthProxy {
  url: string;
  /** Header values the proxy received (to prove the distinctive secrets were the ones used). */
  seen: Set<string>;
  close(): Promise<void>;
}

/**
 * A loopback reverse proxy in front of one sandbox API: header values found in `map` are replaced
 * by the sandbox's credential before forwarding. A header value in `echoOn` gets a 403 whose body
 * echoes it back — an API that quotes the key it refused, the harshest case for error messages.
 */
export async function authProxy(
  target: string,
  map: Map<string, string>,
  echoOn: Set<string> = new Set(),
): Promise<AuthProxy> {
  const t = new URL(target);
  const seen = new Set<string>();
  const server = http.createServer((req, res) => {
    const headers: http.OutgoingHttpHeaders = {};
    let echo: string | undefined;
    for (const [k, v] of Object.entries(req.headers)) {
      if (typeof v !== 'string') {
        headers[k] = v;
        continue;
      }
      seen.add(v);
      if (echoOn.has(v)) echo = `${k}: ${v}`;
      headers[k] = map.get(v) ?? v;
    }
    if (echo) {
      req.resume();
      res
        .writeHead(403, { 'content-type': 'text/plain; charset=utf-8' })
        .end(`Incorrect credentials! (${echo})`);
      return;
    }
    headers.host = t.host;
    const up = http.request(
      { host: t.hostname, port: t.port, method: req.method, path: req.url, headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const url = new URL(target);
  url.host = `127.0.0.1:${port}`;
  return {
    url: url.toString(),
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/**
 * Writes a `--require` preload that makes every non-loopback socket connect (and DNS lookup) fail
 * at once and appends it to `logFile`. Returns the NODE_OPTIONS value to load it.
 */
export function networkGuard(logFile: string): string {
  const file = path.join(tempDir('dear-guard-'), 'guard.js');
  fs.writeFileSync(
    file,
    `
const fs = require('fs');
const net = require('net');
const dns = require('dns');
const log = ${JSON.stringify(logFile)};
const loopback = (h) => /^(127\\.\\d+\\.\\d+\\.\\d+|localhost|::1|\\[::1\\]|::ffff:127\\.\\d+\\.\\d+\\.\\d+)$/i.test(String(h));
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  let o = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (o && typeof o === 'object' && o.path) return connect.apply(this, args);
  const host = o && typeof o === 'object' ? (o.host || 'localhost') : (typeof args[1] === 'string' ? args[1] : 'localhost');
  if (!loopback(host)) {
    fs.appendFileSync(log, 'connect ' + host + '\\n');
    throw new Error('network guard: connect to ' + host + ' blocked');
  }
  return connect.apply(this, args);
};
const lookup = dns.lookup;
dns.lookup = function (host, ...rest) {
  if (!loopback(host)) fs.appendFileSync(log, 'lookup ' + host + '\\n');
  return lookup.call(this, host, ...rest);
};
`,
  );
  return `--require ${file}`;
}
