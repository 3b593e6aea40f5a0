/**
 * Restricted Mode: with workspace trust on and the folder not trusted, the commands that would send
 * credentials to the endpoints the settings file names must refuse before any network call, while
 * editing help keeps working. Checked against the sandbox's call log.
 */
import assert from 'node:assert/strict';
import type { Sandbox } from '../../../sandbox/src/api';
import {
  lineOf,
  makeWorkspace,
  openEditor,
  SETTINGS_FILE,
  startTestSandbox,
  type EditorSession,
  type TestWorkspace,
} from './fixture';

const TIME_SCALE = 50;
const NETWORK_COMMANDS = [
  'Dear: Preview Mapped Orders',
  'Dear: Import Now',
  'Dear: Write Back Tracking Now',
  'Dear: Sync Now',
];

describe('UI: Restricted Mode (untrusted workspace)', function () {
  this.timeout(240_000);
  let sandbox: Sandbox;
  let ws: TestWorkspace;
  let ed: EditorSession;
  let failed = false;

  before(async function () {
    this.timeout(600_000);
    sandbox = await startTestSandbox({ seed: 11, sales: 6, timeScale: TIME_SCALE });
    ws = makeWorkspace('restricted', sandbox, TIME_SCALE);
    ed = await openEditor({ label: 'ui-restricted', workspace: ws, workspaceTrust: true });
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') failed = true;
  });
  after(async () => {
    await ed?.close(failed);
    await sandbox?.close();
    ws?.remove();
  });

  it('opens the folder in Restricted Mode, keeps validation working, refuses network commands and calls no API', async () => {
    const { wb, session } = ed;
    await session.page
      .locator('.statusbar-item', { hasText: 'Restricted Mode' })
      .first()
      .waitFor({ state: 'visible' });

    // Editing help still works without trust.
    await wb.openFile(SETTINGS_FILE);
    await wb.showProblems();
    const line = lineOf(ws.text, /^\s+pageSize:/);
    await wb.goToLine(line);
    await wb.replaceCurrentLine('pageSize: 0');
    await wb.waitForProblems(
      (ps) => ps.some((p) => p.line === line && p.severity === 'Error'),
      `an error on line ${line}`,
    );
    await wb.replaceCurrentLine(ws.text.split('\n')[line - 1].trim());
    await wb.waitForNoErrorsOrWarnings();

    // The palette hides the network commands (when: isWorkspaceTrusted) but still offers the others,
    // so "not offered" is not just an empty palette.
    assert.ok(
      await wb.commandOffered('Dear: Show Output'),
      'the palette offers Dear commands that make no API call',
    );
    for (const title of NETWORK_COMMANDS) {
      assert.equal(
        await wb.commandOffered(title),
        false,
        `"${title}" is not offered in Restricted Mode`,
      );
    }
    // The code lenses on the settings file still show; running one must be refused with a clear message.
    const lenses: [string, string][] = [
      ['Preview import (dry run)', 'Preview Mapped Orders'],
      ['Import now', 'Import Now'],
      ['Write back now', 'Write Back Tracking Now'],
    ];
    for (const [lens, command] of lenses) {
      const link = wb.activeEditor().locator('.codelens-decoration a', { hasText: lens }).first();
      await link.waitFor({ state: 'visible' });
      await link.click();
      const text = await wb.waitForNotification(/disabled in Restricted Mode/);
      assert.ok(text.includes(`"${command}"`), `the refusal names the command: ${text}`);
      assert.match(text, /Trust the workspace/, 'the refusal says what to do');
      await session.screenshot(`restricted-refusal-${command.replace(/\W+/g, '-').toLowerCase()}`);
      await wb.dismissNotifications();
    }
    // Since the sandbox started: no call at all, neither from the commands nor from editing help
    // (e.g. carrier-name completion would fetch Cin7's carrier list in a trusted window).
    const calls = sandbox.callLog().filter((c) => c.api !== 'control');
    assert.deepEqual(calls, [], 'no call reached Cin7 Core or Starshipit');
    assert.equal(sandbox.starshipitOrders().size, 0);
    assert.deepEqual(session.offLoopback(), [], 'the workbench only talked to 127.0.0.1');
  });
});
