/**
 * A small page object for the VS Code 1.100 web workbench served by code-server: command palette,
 * quick open, go to line, Problems panel, notifications/dialogs, output panel, suggest widget and
 * webviews. Every step waits on the real UI element it needs (with retries where VS Code is known
 * to drop early input), never on a fixed delay.
 */
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { waitFor } from './wait';

export interface Problem {
  severity: 'Error' | 'Warning' | 'Info';
  message: string;
  line: number;
  column: number;
  source: string;
}

const QUICK_INPUT = '.quick-input-widget';
const QUICK_INPUT_BOX = '.quick-input-widget .quick-input-box input';
const QUICK_ROWS = '.quick-input-widget .quick-input-list .monaco-list-row';

/** Monaco renders spaces as U+00A0; tests compare plain text. */
export function plain(text: string | null | undefined): string {
  return (text ?? '').replace(/\u00a0/g, ' ');
}

export class Workbench {
  constructor(
    readonly page: Page,
    readonly defaultTimeoutMs = 30_000,
  ) {}

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await this.page
      .locator('.monaco-workbench .part.statusbar')
      .waitFor({ state: 'visible', timeout: 60_000 });
    await this.page
      .locator('.monaco-workbench .part.sidebar, .monaco-workbench .part.editor')
      .first()
      .waitFor({ state: 'visible', timeout: 60_000 });
  }

  /**
   * Presses `keys` until the quick input shows. Right after load the workbench may swallow the first
   * key press (keybindings not yet registered), so each attempt waits briefly for the widget.
   */
  async openQuickInput(keys: string, what: string): Promise<void> {
    const widget = this.page.locator(QUICK_INPUT);
    await waitFor(
      async () => {
        if (await widget.isVisible()) return true;
        await this.page.keyboard.press(keys);
        try {
          await widget.waitFor({ state: 'visible', timeout: 1_000 });
          return true;
        } catch {
          return undefined;
        }
      },
      { timeoutMs: this.defaultTimeoutMs, what: `the ${what} to open (${keys})`, intervalMs: 50 },
    );
  }

  async closeQuickInput(): Promise<void> {
    const widget = this.page.locator(QUICK_INPUT);
    if (await widget.isVisible()) {
      await this.page.keyboard.press('Escape');
      await widget.waitFor({ state: 'hidden' });
    }
  }

  /** Command Palette → the command titled exactly `title` (e.g. "Dear: Import Now") → run it. */
  async runCommand(title: string, opts: { timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs;
    await this.closeQuickInput();
    await this.openQuickInput('Control+Shift+P', 'command palette');
    await this.page.locator(QUICK_INPUT_BOX).fill(`>${title}`);
    // The row's aria-label is "Title" or "Title, Keybinding"; match the title exactly.
    const row = this.page
      .locator(QUICK_ROWS)
      .filter({
        has: this.page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }),
      })
      .first();
    await row.waitFor({ state: 'visible', timeout: timeoutMs }).catch(async (err: Error) => {
      const offered = await this.page
        .locator(QUICK_ROWS)
        .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
      throw new Error(
        `command "${title}" is not in the palette (offered: ${JSON.stringify(offered)}): ${err.message}`,
      );
    });
    await row.click();
    await this.page
      .locator(QUICK_INPUT)
      .waitFor({ state: 'hidden', timeout: timeoutMs })
      .catch(() => undefined);
  }

  /**
   * Whether the Command Palette offers a command titled exactly `title` (commands can be hidden by
   * a `when` clause, e.g. in Restricted Mode). Leaves the palette closed.
   */
  async commandOffered(title: string): Promise<boolean> {
    await this.closeQuickInput();
    await this.openQuickInput('Control+Shift+P', 'command palette');
    await this.page.locator(QUICK_INPUT_BOX).fill(`>${title}`);
    const row = this.page.locator(QUICK_ROWS).filter({
      has: this.page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }),
    });
    // Not offered: either the single row "No matching commands", or only other (fuzzy / "similar
    // commands") rows, the same list on two consecutive checks so it is not a list still filtering.
    let previous = '';
    const answer = await waitFor(
      async () => {
        if ((await row.count()) > 0) return 'yes';
        const labels = await this.page
          .locator(QUICK_ROWS)
          .evaluateAll((els) =>
            els.map((e) => e.getAttribute('aria-label') ?? e.textContent ?? ''),
          );
        const key = JSON.stringify(labels);
        const settled = labels.length > 0 && key === previous;
        previous = key;
        return settled ? 'no' : undefined;
      },
      {
        timeoutMs: this.defaultTimeoutMs,
        what: `the palette to list or rule out "${title}"`,
        intervalMs: 250,
      },
    ).catch(async (err: Error) => {
      const rows = await this.page
        .locator(QUICK_ROWS)
        .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? e.textContent));
      throw new Error(`${err.message}; the palette shows ${JSON.stringify(rows)}`);
    });
    await this.closeQuickInput();
    return answer === 'yes';
  }

  /** Quick Open (Ctrl+P) → the file named `fileName` → wait until its editor tab is active. */
  async openFile(fileName: string): Promise<void> {
    await this.closeQuickInput();
    await this.openQuickInput('Control+P', 'quick open');
    await this.page.locator(QUICK_INPUT_BOX).fill(fileName);
    const row = this.page
      .locator(QUICK_ROWS)
      .filter({ has: this.page.locator('.label-name', { hasText: fileName }) })
      .first();
    await row.waitFor({ state: 'visible', timeout: this.defaultTimeoutMs });
    await row.click();
    await this.activeTab(fileName).waitFor({ state: 'visible', timeout: this.defaultTimeoutMs });
    await this.activeEditor().locator('.view-lines').waitFor({ state: 'visible' });
  }

  activeTab(fileName: string): Locator {
    return this.page.locator(`.tabs-container .tab.active[data-resource-name="${fileName}"]`);
  }

  /** The focused (or last active) text editor of the editor area. */
  activeEditor(): Locator {
    return this.page.locator('.part.editor .editor-group-container.active .monaco-editor').first();
  }

  /**
   * Focus the active editor with the keyboard (Ctrl+1, "focus first editor group"): clicking into
   * the text could hit a code lens and run a command.
   */
  async focusEditor(): Promise<void> {
    await this.closeQuickInput();
    const focused = this.page.locator('.part.editor .monaco-editor.focused');
    await waitFor(
      async () => {
        if (await focused.isVisible()) return true;
        await this.page.keyboard.press('Control+1');
        try {
          await focused.waitFor({ state: 'visible', timeout: 1_000 });
          return true;
        } catch {
          return undefined;
        }
      },
      { timeoutMs: this.defaultTimeoutMs, what: 'the editor to take focus', intervalMs: 50 },
    );
  }

  /** Ctrl+G → `line:column` → Enter; the cursor is then there and the editor focused. */
  async goToLine(line: number, column = 1): Promise<void> {
    await this.focusEditor();
    await this.openQuickInput('Control+G', 'go to line');
    // The go-to-line picker is quick open with a ":" prefix; filling replaces the prefix too.
    await this.page.locator(QUICK_INPUT_BOX).fill(`:${line}:${column}`);
    await this.page.keyboard.press('Enter');
    await this.page.locator(QUICK_INPUT).waitFor({ state: 'hidden' });
    await waitFor(async () => ((await this.cursorPosition())?.line === line ? true : undefined), {
      timeoutMs: this.defaultTimeoutMs,
      what: `the cursor to reach line ${line}`,
    });
  }

  /** Line/column from the status bar ("Ln 12, Col 3"). */
  async cursorPosition(): Promise<{ line: number; column: number } | undefined> {
    const text = await this.page
      .locator('.statusbar-item[id="status.editor.selection"]')
      .textContent()
      .catch(() => null);
    const m = /Ln (\d+), Col (\d+)/.exec(plain(text));
    return m ? { line: Number(m[1]), column: Number(m[2]) } : undefined;
  }

  /**
   * Replace the current line's content after its indentation with `text`, inserted as one input
   * (the harness's user settings turn off auto-closing quotes/brackets, so it lands as given).
   */
  async replaceCurrentLine(text: string): Promise<void> {
    await this.page.keyboard.press('End');
    await this.page.keyboard.press('Shift+Home'); // selects back to the first non-blank character
    await this.page.keyboard.insertText(text);
  }

  // ---- Problems panel ------------------------------------------------------------------------

  async showProblems(): Promise<Locator> {
    await this.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
    const panel = this.page.locator('.markers-panel');
    await panel.waitFor({ state: 'visible', timeout: this.defaultTimeoutMs });
    return panel;
  }

  /** Every problem row in the Problems panel (the panel must be showing). */
  async problems(): Promise<Problem[]> {
    const labels = await this.page
      .locator('.markers-panel .monaco-list-row')
      .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    const out: Problem[] = [];
    for (const label of labels) {
      // "Error: Value expected at line 4 and character 1. generated by json"
      const m =
        /^(Error|Warning|Info): ([\s\S]*) at line (\d+) and character (\d+)\.(?: generated by (.*))?$/.exec(
          label,
        );
      if (m)
        out.push({
          severity: m[1] as Problem['severity'],
          message: m[2],
          line: Number(m[3]),
          column: Number(m[4]),
          source: m[5] ?? '',
        });
    }
    return out;
  }

  /** Waits until the Problems panel rows satisfy `accept`, returns them. */
  async waitForProblems(
    accept: (p: Problem[]) => boolean,
    what: string,
    timeoutMs = this.defaultTimeoutMs,
  ): Promise<Problem[]> {
    let last: Problem[] = [];
    try {
      return await waitFor(
        async () => {
          last = await this.problems();
          return accept(last) ? last : undefined;
        },
        { timeoutMs, what: `the Problems panel to show ${what}` },
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}; it shows ${JSON.stringify(last)}`, {
        cause: err,
      });
    }
  }

  /**
   * No errors or warnings are listed (informational hints may stay). Callers first see an error
   * appear, so this cannot pass merely because the language server has not run yet.
   */
  async waitForNoErrorsOrWarnings(timeoutMs = this.defaultTimeoutMs): Promise<Problem[]> {
    return this.waitForProblems(
      (ps) => ps.every((p) => p.severity === 'Info'),
      'no errors or warnings',
      timeoutMs,
    );
  }

  // ---- Notifications and dialogs -------------------------------------------------------------

  notification(text: RegExp): Locator {
    return this.page
      .locator(
        '.notifications-toasts .notification-toast, .notifications-center .notification-list-item',
      )
      .filter({ hasText: text })
      .first();
  }

  async waitForNotification(text: RegExp, timeoutMs = this.defaultTimeoutMs): Promise<string> {
    const n = this.notification(text);
    await n.waitFor({ state: 'visible', timeout: timeoutMs }).catch(async (err: Error) => {
      throw new Error(
        `no notification matching ${text}; showing: ${JSON.stringify(await this.notificationTexts())} (${err.message})`,
      );
    });
    return plain(await n.textContent());
  }

  /** Clear all notifications (Notifications: Clear All) and wait until no toast is left. */
  async dismissNotifications(): Promise<void> {
    await this.runCommand('Notifications: Clear All Notifications');
    await this.page
      .locator('.notifications-toasts .notification-toast')
      .first()
      .waitFor({ state: 'detached' });
  }

  async notificationTexts(): Promise<string[]> {
    return (
      await this.page.locator('.notifications-toasts .notification-toast').allTextContents()
    ).map(plain);
  }

  /**
   * Answers a confirmation shown either as a modal dialog or as a notification with buttons
   * (whichever the extension uses): clicks the button labelled `button`. Returns the question text.
   */
  async answerConfirmation(
    question: RegExp,
    button: string | RegExp,
    timeoutMs = this.defaultTimeoutMs,
  ): Promise<string> {
    const dialog = this.page.locator('.monaco-dialog-box').filter({ hasText: question }).first();
    const toast = this.notification(question);
    const which = await waitFor(
      async () =>
        (await dialog.isVisible()) ? 'dialog' : (await toast.isVisible()) ? 'toast' : undefined,
      { timeoutMs, what: `a confirmation matching ${question}` },
    ).catch(async (err: Error) => {
      throw new Error(
        `${err.message}; notifications: ${JSON.stringify(await this.notificationTexts())}`,
      );
    });
    const box = which === 'dialog' ? dialog : toast;
    const text = plain(await box.textContent());
    await box.locator('.monaco-button', { hasText: button }).first().click();
    await box.waitFor({ state: 'hidden', timeout: timeoutMs }).catch(() => undefined);
    return text;
  }

  // ---- Output panel --------------------------------------------------------------------------

  /** Text currently rendered in the output panel's editor (Monaco renders the visible lines). */
  async outputText(): Promise<string> {
    const lines = await this.page
      .locator('.part.panel .monaco-editor .view-lines .view-line')
      .evaluateAll((els) =>
        els
          .map((e) => ({
            top: parseFloat((e as HTMLElement).style.top || '0'),
            text: e.textContent ?? '',
          }))
          .sort((a, b) => a.top - b.top)
          .map((l) => l.text),
      );
    return plain(lines.join('\n'));
  }

  async waitForOutput(pattern: RegExp, timeoutMs = this.defaultTimeoutMs): Promise<string> {
    let last = '';
    try {
      return await waitFor(
        async () => {
          last = await this.outputText();
          return pattern.test(last) ? last : undefined;
        },
        { timeoutMs, what: `the output panel to show ${pattern}` },
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}; it shows:\n${last.slice(-2000)}`, { cause: err });
    }
  }

  // ---- Completion ----------------------------------------------------------------------------

  /** Ctrl+Space at the cursor; waits for the suggest widget and returns the labels it lists. */
  async triggerCompletion(): Promise<string[]> {
    const widget = this.page.locator('.editor-widget.suggest-widget.visible');
    await waitFor(
      async () => {
        if (await widget.isVisible()) return true;
        await this.page.keyboard.press('Control+Space');
        try {
          await widget.waitFor({ state: 'visible', timeout: 2_000 });
          return true;
        } catch {
          return undefined;
        }
      },
      { timeoutMs: this.defaultTimeoutMs, what: 'the suggest widget', intervalMs: 50 },
    );
    await widget.locator('.monaco-list-row').first().waitFor({ state: 'visible' });
    return (
      await widget.locator('.monaco-list-row .monaco-icon-label .label-name').allTextContents()
    ).map((t) => plain(t).trim());
  }

  // ---- Layout ----------------------------------------------------------------------------------

  /** Activate the editor tab whose label starts with `tabLabel`, maximize its group, close the panel. */
  async maximizeEditorGroupOf(tabLabel: string): Promise<void> {
    const tab = this.page.locator('.tabs-container .tab', { hasText: tabLabel }).first();
    await tab.click();
    await this.page
      .locator('.tabs-container .tab.active', { hasText: tabLabel })
      .first()
      .waitFor({ state: 'visible' });
    if (await this.page.locator('.part.panel').isVisible())
      await this.runCommand('View: Toggle Panel Visibility');
    await this.page.locator('.part.panel').waitFor({ state: 'hidden' });
    await this.runCommand('View: Toggle Maximize Editor Group');
    const groups = this.page.locator('.part.editor .editor-group-container');
    await waitFor(
      async () => {
        const visible = await groups.evaluateAll(
          (els) => els.filter((e) => (e as HTMLElement).offsetWidth > 0).length,
        );
        return visible === 1 ? true : undefined;
      },
      { timeoutMs: this.defaultTimeoutMs, what: 'one visible editor group' },
    );
  }

  /** Undo maximizeEditorGroupOf (the panel comes back with the next command that shows it). */
  async restoreEditorGroups(): Promise<void> {
    await this.runCommand('View: Toggle Maximize Editor Group');
    const groups = this.page.locator('.part.editor .editor-group-container');
    await waitFor(
      async () => {
        const visible = await groups.evaluateAll(
          (els) => els.filter((e) => (e as HTMLElement).offsetWidth > 0).length,
        );
        return visible > 1 ? true : undefined;
      },
      { timeoutMs: this.defaultTimeoutMs, what: 'the editor groups to be restored' },
    );
  }

  // ---- Webviews ------------------------------------------------------------------------------

  /**
   * The content frame of the webview whose panel title matches: VS Code nests the extension's
   * document in `iframe.webview` → `iframe#active-frame`.
   */
  webviewFrame(): FrameLocator {
    return this.page
      .frameLocator('iframe.webview.ready')
      .last()
      .frameLocator('iframe#active-frame');
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
