/**
 * One status bar item: while a run is going, its progress and when the rate limiter is holding
 * calls back; afterwards, the last run's result. Click → "Dear: Show Sync Status".
 */
import * as vscode from 'vscode';
import type { EngineEvent, SummaryEvent } from '../../../protocol/events';
import type { RunMode } from '../../../protocol/events';
import { activityText, modeTitle, RunCounts, summaryText } from '../../../protocol/eventText';

export class StatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(
    'dear.status',
    vscode.StatusBarAlignment.Left,
    10,
  );
  private mode: RunMode = 'import';
  private dryRun = false;
  private counts = new RunCounts('import');

  constructor() {
    this.item.name = 'Dear Sync';
    this.item.command = 'dear.showStatus';
    this.item.text = '$(package) Dear';
    this.item.tooltip = 'Dear Starshipit: no run yet this session. Click for the sync status.';
  }

  /** Shown once the workspace has a settings file or a run happened. */
  show(): void {
    this.item.show();
  }

  start(mode: RunMode, dryRun: boolean): void {
    this.mode = mode;
    this.dryRun = dryRun;
    this.counts = new RunCounts(mode, dryRun);
    this.item.backgroundColor = undefined;
    this.item.text = `$(sync~spin) Dear: ${dryRun ? 'previewing' : mode}…`;
    this.item.tooltip = `${modeTitle(mode, dryRun)} running`;
    this.item.show();
  }

  event(engineEvent: EngineEvent): void {
    this.counts.add(engineEvent);
    const activity = activityText(engineEvent);
    if (activity) {
      const icon = engineEvent.type === 'progress' ? '$(sync~spin)' : '$(watch)';
      this.item.text = `${icon} Dear: ${activity}`;
    }
    this.item.tooltip = `${modeTitle(this.mode, this.dryRun)}: ${this.counts.text()}`;
  }

  finish(summary: SummaryEvent | null, error?: string): void {
    if (error || !summary) {
      this.item.text = '$(error) Dear: run failed';
      this.item.tooltip = `Last run failed: ${error ?? 'no summary'}`;
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
      return;
    }
    const attention = summary.needsAttention;
    const done =
      summary.mode === 'writeback'
        ? `${summary.writtenBack} written back`
        : `${summary.created + summary.alreadyPresent} ${summary.dryRun ? 'to create' : 'created'}`;
    this.item.text = `${attention ? '$(warning)' : summary.cancelled ? '$(circle-slash)' : '$(check)'} Dear: ${done}${attention ? `, ${attention} needing attention` : ''}`;
    this.item.tooltip = `${modeTitle(summary.mode, summary.dryRun)} at ${new Date().toLocaleTimeString()}\n${summaryText(summary)}`;
    this.item.backgroundColor = attention
      ? new vscode.ThemeColor('statusBarItem.warningBackground')
      : undefined;
  }

  dispose(): void {
    this.item.dispose();
  }
}
