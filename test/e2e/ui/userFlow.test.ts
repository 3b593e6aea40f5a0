/**
 * The extension as a user meets it, in a real VS Code (code-server) driven through Chromium:
 * settings file diagnostics and completion, the order preview, Import Now, and tracking writeback —
 * every result checked against the sandbox's own state, never against constants.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SALE_STATUSES } from '../../../protocol/settings';
import type { Sandbox } from '../../../sandbox/src/api';
import { readmeShotsDir } from '../harness/paths';
import { plain } from '../harness/workbench';
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
const SALES = 24;

describe('UI: settings file, preview, import and writeback in code-server', function () {
  this.timeout(240_000);
  let sandbox: Sandbox;
  let ws: TestWorkspace;
  let ed: EditorSession;
  let failed = false;
  let eligible: string[] = [];

  before(async function () {
    this.timeout(600_000);
    sandbox = await startTestSandbox({ seed: 7, sales: SALES, timeScale: TIME_SCALE });
    ws = makeWorkspace('flow', sandbox, TIME_SCALE);
    eligible = sandbox
      .eligibleSales(ws.statuses)
      .map((s) => s.orderNumber)
      .sort();
    assert.ok(
      eligible.length > 0,
      `the sandbox (seed 7, ${SALES} sales) has eligible sales for ${ws.statuses.join(', ')}`,
    );
    ed = await openEditor({ label: 'ui-flow', workspace: ws });
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') failed = true;
  });

  after(async () => {
    await ed?.close(failed);
    await sandbox?.close();
    ws?.remove();
  });

  it('shows no errors or warnings for the sample, an error at the right line for a broken value, and Cin7 statuses on completion', async () => {
    const { wb, session } = ed;
    await wb.openFile(SETTINGS_FILE);
    await wb.showProblems();

    // Break a value: dear.pageSize must be 1..1000.
    const pageSizeLine = lineOf(ws.text, /^\s+pageSize:/);
    await wb.goToLine(pageSizeLine);
    await wb.replaceCurrentLine('pageSize: 5000');
    const problems = await wb.waitForProblems(
      (ps) => ps.some((p) => p.severity === 'Error' && /pageSize/.test(p.message)),
      'the pageSize error',
    );
    const err = problems.find((p) => /pageSize/.test(p.message));
    assert.ok(err);
    assert.equal(
      err.line,
      pageSizeLine,
      `the error is reported on the pageSize line: ${JSON.stringify(problems)}`,
    );
    const valueColumn =
      ws.text.split('\n')[pageSizeLine - 1].indexOf('pageSize:') + 'pageSize: '.length + 1;
    assert.equal(err.column, valueColumn, 'the error starts at the value');
    assert.match(err.message, /1000/);
    await session.screenshot('problems-error');

    // Put it back: the retargeted sample has no errors or warnings (informational hints may show).
    await wb.goToLine(pageSizeLine);
    await wb.replaceCurrentLine(ws.text.split('\n')[pageSizeLine - 1].trim());
    await wb.waitForNoErrorsOrWarnings();
    await session.screenshot('problems');

    // Completion inside `import.statuses: [ … ]`.
    const statusesLine = lineOf(ws.text, /^\s+statuses:/);
    const original = ws.text.split('\n')[statusesLine - 1].trim();
    assert.match(original, /^statuses: \[.*\]$/, 'the sample writes statuses as a flow list');
    await wb.goToLine(statusesLine);
    await wb.replaceCurrentLine(original.replace(/\s*\]$/, ', INV]'));
    await session.page.keyboard.press('ArrowLeft'); // cursor after "INV", before "]"
    const labels = await wb.triggerCompletion();
    await session.screenshot('completion', [join(readmeShotsDir, 'completion.png')]);
    const expected = SALE_STATUSES.filter((s) => s.startsWith('INV'));
    for (const s of expected)
      assert.ok(labels.includes(s), `completion offers ${s}: ${JSON.stringify(labels)}`);
    const statuses: readonly string[] = SALE_STATUSES;
    assert.deepEqual(
      labels.filter((l) => !statuses.includes(l)),
      [],
      `completion offers only Cin7 sale statuses here: ${JSON.stringify(labels)}`,
    );
    await session.page.keyboard.press('Escape');
    await wb.replaceCurrentLine(original);
    await session.page.keyboard.press('Control+S');
    await wb.waitForNoErrorsOrWarnings();
  });

  it('"Dear: Preview Mapped Orders" lists exactly the sandbox\'s eligible sales', async () => {
    const { wb, session } = ed;
    await wb.runCommand('Dear: Preview Mapped Orders');
    const frame = wb.webviewFrame();
    await frame.locator('#skipped').waitFor({ state: 'visible', timeout: 120_000 }); // rendered once the dry run is ready
    await frame.locator('#summary').waitFor({ state: 'visible' });
    const shown = (
      await frame
        .locator('#ordersTable tr.order')
        .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-order-number') ?? ''))
    ).sort();
    assert.deepEqual(shown, eligible, 'the preview rows are the eligible sales');
    assert.equal(sandbox.starshipitOrders().size, 0, 'a preview creates nothing in Starshipit');
    assert.ok(
      !sandbox.callLog().some((c) => c.api === 'starshipit' && c.method === 'POST'),
      'a preview sends no POST to Starshipit',
    );
    await session.screenshot('preview');
    // README picture: the preview's editor group maximized, the panel closed.
    await wb.maximizeEditorGroupOf('Dear: Order preview');
    await session.screenshot('preview-maximized', [join(readmeShotsDir, 'preview.png')]);
    await wb.restoreEditorGroups();
    assert.deepEqual(
      session.offLoopback(),
      [],
      'the workbench and the webview only talked to 127.0.0.1',
    );
  });

  it('"Dear: Import Now" (confirmed) creates each eligible order exactly once and the output shows the summary', async () => {
    const { wb, session } = ed;
    await wb.runCommand('Dear: Import Now');
    const question = await wb.answerConfirmation(
      /Create \d+ order\(s\) in Starshipit\?/,
      'Import',
      120_000,
    );
    assert.match(
      question,
      new RegExp(`Create ${eligible.length} order\\(s\\) in Starshipit\\?`),
      'the confirmation counts the eligible sales',
    );
    const done = await wb.waitForNotification(/Summary: created \d+/, 120_000);
    assert.match(done, new RegExp(`created ${eligible.length}\\b`));
    assert.match(done, /needs attention 0/);

    const orders = sandbox.starshipitOrders();
    assert.deepEqual(
      [...orders.keys()].sort(),
      eligible,
      'Starshipit holds exactly the eligible orders',
    );
    for (const [n, list] of orders) assert.equal(list.length, 1, `order ${n} exists once`);

    await wb.runCommand('Dear: Show Output');
    const out = await wb.waitForOutput(new RegExp(`Summary: created ${eligible.length}\\b`));
    assert.match(
      out,
      /order \S+: created \(Starshipit order \d+\)/,
      'the output lists the created orders',
    );
    for (const v of Object.values(ws.env))
      assert.ok(!out.includes(v), 'no credential appears in the output panel');
    await wb.dismissNotifications();
    await session.screenshot('output', [join(readmeShotsDir, 'output.png')]);
  });

  it('after labels are printed, "Dear: Write Back Tracking Now" puts mapped carriers and tracking numbers on the Cin7 shipments', async () => {
    const { wb, session } = ed;
    const [a, b] = eligible;
    assert.ok(a && b, 'two imported orders to label');
    const labelled = [
      {
        orderNumber: a,
        courier: 'AusPost',
        carrier: 'Australia Post',
        ...sandbox.printLabel({ orderNumber: a, carrier: 'AusPost' }),
      },
      {
        orderNumber: b,
        courier: 'StarTrack',
        carrier: 'StarTrack',
        ...sandbox.printLabel({ orderNumber: b, carrier: 'StarTrack' }),
      },
    ];
    const before = new Map(
      [...sandbox.dearShipments()].map(([id, sh]) => [id, JSON.stringify(sh)]),
    );
    await wb.runCommand('Dear: Write Back Tracking Now');
    const question = await wb.answerConfirmation(
      /Write tracking for \d+ order\(s\) back to Cin7 Core\?/,
      'Write Back',
      120_000,
    );
    assert.match(question, /Write tracking for 2 order\(s\)/);
    const done = await wb.waitForNotification(/Summary: .*written back \d+/, 120_000);
    assert.match(done, /written back 2\b/);

    const after = sandbox.dearShipments();
    for (const l of labelled) {
      // The lines that carry this label's tracking numbers, on any fulfilment of the sale.
      const lines = [...after.values()]
        .filter((sh) => sh.orderNumber === l.orderNumber)
        .flatMap((sh) => sh.lines as Record<string, unknown>[])
        .filter((x) => l.trackingNumbers.includes(String(x.TrackingNumber)));
      assert.deepEqual(
        [...new Set(lines.map((x) => String(x.TrackingNumber)))].sort(),
        [...l.trackingNumbers].sort(),
        `every tracking number of ${l.orderNumber} is on its Cin7 shipment`,
      );
      assert.deepEqual(
        [...new Set(lines.map((x) => x.Carrier))],
        [l.carrier],
        `${l.courier} is written as the Cin7 carrier "${l.carrier}"`,
      );
    }
    // Nothing else changed: shipments of unlabelled orders are exactly as before.
    for (const [id, sh] of after) {
      if (labelled.some((l) => l.orderNumber === sh.orderNumber)) continue;
      assert.equal(
        JSON.stringify(sh),
        before.get(id),
        `shipment ${id} (${sh.orderNumber}) is untouched`,
      );
    }
    await wb.runCommand('Dear: Show Output');
    await wb.waitForOutput(/written back 2\b/);
    assert.ok(
      plain(await wb.outputText()).includes(labelled[0].trackingNumbers[0]),
      'the output names the tracking number written back',
    );
    await session.screenshot('output-writeback');
    assert.deepEqual(session.offLoopback(), [], 'the workbench only talked to 127.0.0.1');
  });
});
