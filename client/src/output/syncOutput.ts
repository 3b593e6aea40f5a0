/**
 * The one "Dear Sync" LogOutputChannel (created once per session, reused by every run) plus an
 * in-memory transcript of what was written, for the `dear.test.outputText` hook. Every line goes
 * through `redactSecrets` (protocol/redact.ts) with the secret values of the current run.
 */
import * as vscode from 'vscode';
import type { EngineEvent, SummaryEvent } from '../../../protocol/events';
import { eventLine, summaryText, type LineLevel } from '../../../protocol/eventText';
import { formatHeader, passes, type RunHeader } from './format';
import { redactSecrets } from '../../../protocol/redact';

const SYNC_CHANNEL_NAME = 'Dear Sync';

export class SyncOutput implements vscode.Disposable {
  private readonly channel: vscode.LogOutputChannel;
  private readonly transcript: string[] = [];
  private secretValues: string[] = [];

  constructor() {
    this.channel = vscode.window.createOutputChannel(SYNC_CHANNEL_NAME, { log: true });
  }

  /** Values to scrub from every line until the next call (the secrets of the running command). */
  setSecretValues(values: Iterable<string>): void {
    this.secretValues = [...values];
  }

  header(header: RunHeader): void {
    for (const line of formatHeader(header)) this.write('info', line);
  }

  event(engineEvent: EngineEvent): void {
    const line = eventLine(engineEvent);
    this.write(line.level, line.text);
  }

  summary(summaryEvent: SummaryEvent): void {
    this.write('info', summaryText(summaryEvent));
  }

  info(text: string): void {
    this.write('info', text);
  }
  warn(text: string): void {
    this.write('warn', text);
  }
  error(text: string): void {
    this.write('error', text);
  }

  show(): void {
    this.channel.show(true);
  }

  text(): string {
    return this.transcript.join('\n');
  }

  private write(level: LineLevel, raw: string): void {
    const threshold = vscode.workspace.getConfiguration('dear').get<LineLevel>('logLevel', 'info');
    if (!passes(level, threshold)) return;
    const text = redactSecrets(raw, this.secretValues);
    this.transcript.push(`[${level}] ${text}`);
    if (this.transcript.length > 20_000) this.transcript.splice(0, 5_000);
    // `dear.logLevel` is the one filter; debug lines are written at info so the channel shows them.
    if (level === 'error') this.channel.error(text);
    else if (level === 'warn') this.channel.warn(text);
    else this.channel.info(text);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
