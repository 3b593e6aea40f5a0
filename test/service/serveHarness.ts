/**
 * `dear-starshipit serve` as a child process against the in-process sandbox: its JSON log lines,
 * waits on them, its listener's address, and a Prometheus text reader for `/metrics`.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import type { Sandbox } from '../../sandbox/src/api';
import { startChild } from '../support/cli';
import { CLI_PATH } from '../support/paths';
import { sandboxCliEnv, writeSandboxSettings } from '../support/sandbox';

export interface LogLine {
  type: string;
  at: string;
  run?: 'import' | 'writeback';
  event?: string;
  [key: string]: unknown;
}

export class ServeProcess {
  readonly lines: LogLine[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;
  private waiters: (() => void)[] = [];
  private partial = '';

  constructor(args: string[], env: NodeJS.ProcessEnv) {
    this.child = startChild(process.execPath, [CLI_PATH, 'serve', ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.partial += chunk;
      const parts = this.partial.split('\n');
      this.partial = parts.pop() ?? '';
      for (const p of parts) if (p.trim()) this.lines.push(JSON.parse(p) as LogLine);
      this.notify();
    });
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      this.stderr += d;
    });
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => {
        this.notify();
        resolve({ code, signal });
      }),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  private notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Waits until `predicate` holds over the lines so far (fails if the process exits first). */
  async until<T>(what: string, predicate: (lines: LogLine[]) => T | undefined): Promise<T> {
    for (;;) {
      const found = predicate(this.lines);
      if (found !== undefined && found !== false) return found;
      if (this.child.exitCode !== null || this.child.signalCode !== null)
        assert.fail(`serve exited before ${what}; stderr: ${this.stderr}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  summaries(run?: 'import' | 'writeback'): LogLine[] {
    return this.lines.filter((l) => l.type === 'summary' && (!run || l.run === run));
  }

  async address(): Promise<string> {
    const line = await this.until('listening', (ls) =>
      ls.find((l) => l.type === 'service' && l.event === 'listening'),
    );
    return `http://${String(line.address)}`;
  }

  async get(path: string): Promise<{ status: number; text: string }> {
    const res = await fetch(`${await this.address()}${path}`);
    return { status: res.status, text: await res.text() };
  }

  /**
   * Polls `/healthz` (one real request per new log line) until its status is `status` and, when
   * given, one of its reasons matches `reason`.
   */
  async healthBecomes(
    status: number,
    reason?: RegExp,
  ): Promise<{ status: string; reasons: string[] }> {
    for (;;) {
      const res = await this.get('/healthz');
      const body = JSON.parse(res.text) as { status: string; reasons: string[] };
      if (res.status === status && (!reason || body.reasons.some((r) => reason.test(r))))
        return body;
      await this.until('another log line', (ls) => ls.length > this.seen || undefined);
      this.seen = this.lines.length;
    }
  }
  private seen = 0;

  stop(signal: NodeJS.Signals = 'SIGTERM'): void {
    this.child.kill(signal);
  }

  async stopAndWait(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.stop();
    return this.exited;
  }
}

/** A settings file for `serve` against the sandbox, with a `service:` (and optional `alerts:`) section. */
export function serveConfig(
  sb: Sandbox,
  dir: string,
  service: Record<string, string | number | boolean>,
  more = '',
  timeScale?: number,
): string {
  const lines = Object.entries({ listen: '127.0.0.1:0', ...service }).map(
    ([k, v]) => `  ${k}: ${v}`,
  );
  return writeSandboxSettings(sb, dir, `service:\n${lines.join('\n')}\n${more}`, { timeScale });
}

export function startServe(
  config: string,
  sb: Sandbox,
  extraEnv: Record<string, string> = {},
  args: string[] = [],
): ServeProcess {
  assert.ok(fs.existsSync(CLI_PATH), `${CLI_PATH} is missing: run "npm run build"`);
  return new ServeProcess(['--config', config, ...args], sandboxCliEnv(sb, extraEnv));
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Reads Prometheus text exposition format 0.0.4; throws on any line that does not parse. */
export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  const typed = new Set<string>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') {
        assert.ok(
          ['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(meta[3]),
          `unknown TYPE in: ${line}`,
        );
        typed.add(meta[2]);
      }
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line);
    assert.ok(m, `not Prometheus text: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (m[2] ?? '').match(/[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"/g) ?? []) {
      const eq = pair.indexOf('=');
      labels[pair.slice(0, eq)] = JSON.parse(pair.slice(eq + 1)) as string;
    }
    const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    assert.ok(!Number.isNaN(value) || m[3] === 'NaN', `bad value in: ${line}`);
    const family = m[1].replace(/_(bucket|sum|count)$/, '');
    assert.ok(typed.has(m[1]) || typed.has(family), `sample before its TYPE: ${line}`);
    out.push({ name: m[1], labels, value });
  }
  return out;
}

export function metricValue(
  samples: Sample[],
  name: string,
  labels: Record<string, string> = {},
): number {
  const found = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  return found.reduce((sum, s) => sum + s.value, 0);
}
