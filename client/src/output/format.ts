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

export function formatHeader(header: RunHeader): string[] {
  return [
    '─'.repeat(72),
    `${modeTitle(header.mode, header.dryRun)}`,
    `  started  ${header.at.toISOString()}`,
    `  file     ${header.file}`,
    `  Cin7 Core API v${header.apiVersion}${header.onlyOrderNumbers !== undefined ? ` · limited to ${header.onlyOrderNumbers} previewed order(s)` : ''}`,
  ];
}

const ORDER: Record<LineLevel, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4 };
/** Whether a line at `level` passes the `dear.logLevel` threshold. */
export function passes(level: LineLevel, threshold: LineLevel): boolean {
  return ORDER[level] >= ORDER[threshold];
}
