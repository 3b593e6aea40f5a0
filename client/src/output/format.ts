/**
 * What the "Dear Sync" output channel adds to the shared event words (protocol/eventText.ts): the
 * header of each run and the `dear.logLevel` filter. Pure (no `vscode`) so it is unit-tested in
 * Node.
 */
import type { RunMode } from '../../../protocol/events';
import { modeTitle, type LineLevel } from '../../../protocol/eventText';

export interface RunHeader {
  at: Date;
  file: string;
  mode: RunMode;
  dryRun: boolean;
  apiVersion: number;
  onlyOrderNumbers?: number;
}

export function formatHeader(h: RunHeader): string[] {
  return [
    '─'.repeat(72),
    `${modeTitle(h.mode, h.dryRun)}`,
    `  started  ${h.at.toISOString()}`,
    `  file     ${h.file}`,
    `  Cin7 Core API v${h.apiVersion}${h.onlyOrderNumbers !== undefined ? ` · limited to ${h.onlyOrderNumbers} previewed order(s)` : ''}`,
  ];
}

const ORDER: Record<LineLevel, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4 };
/** Whether a line at `level` passes the `dear.logLevel` threshold. */
export function passes(level: LineLevel, threshold: LineLevel): boolean {
  return ORDER[level] >= ORDER[threshold];
}
