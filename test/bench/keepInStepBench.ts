/**
 * Keep-in-step benchmark: Cin7 Core calls spent per changed sale when keeping imported orders in step
 * (goal: one detail read per changed sale, nothing for unchanged sales). Setup (not measured): import
 * with our engine, then change `changed` imported sales in the sandbox (a new city). Measured: one
 * import run after the change, and one more with no change, counted from the sandbox's call log.
 */
import * as path from 'node:path';
import type { CallLogEntry } from '../../sandbox/src/api';
import { tempDir } from '../support/paths';
import { startTestSandbox } from '../support/sandbox';
import type { ClientInput, ClientOutput } from './clientChild';
import { IMPORT_STATUSES, TIME_SCALE } from './engineBench';
import { startChild, waitForLine } from '../support/cli';

export interface KeepInStepFigures {
  imported: number;
  changed: number;
  afterChange: {
    dearDetailReads: number;
    dearListCalls: number;
    dearOther: number;
    starshipitReads: number;
    starshipitUpdates: number;
  };
  noChange: {
    dearDetailReads: number;
    dearListCalls: number;
    dearOther: number;
    starshipitReads: number;
    starshipitUpdates: number;
  };
  ordersUpdatedInSandbox: number;
}

function count(log: CallLogEntry[]): KeepInStepFigures['afterChange'] {
  const dear = log.filter((c) => c.api === 'dear' && c.fault !== 'rate-limit');
  const ship = log.filter((c) => c.api === 'starshipit');
  const detail = dear.filter((c) => /\/sale$/i.test(c.route)).length;
  const list = dear.filter((c) => /\/salelist$/i.test(c.route)).length;
  return {
    dearDetailReads: detail,
    dearListCalls: list,
    dearOther: dear.length - detail - list,
    starshipitReads: ship.filter((c) => c.method === 'GET').length,
    starshipitUpdates: ship.filter((c) => c.method === 'PUT').length,
  };
}

async function runImport(input: ClientInput): Promise<ClientOutput> {
  const child = startChild(process.execPath, [path.join(__dirname, 'clientChild.js')], {
    env: { ...process.env, DEAR_BENCH_CLIENT: JSON.stringify(input) },
  });
  const line = await waitForLine(child, /^\{.*\}$/m, 10 * 60_000);
  await new Promise<void>((resolve) =>
    child.exitCode !== null ? resolve() : child.once('exit', () => resolve()),
  );
  return JSON.parse(line[0]) as ClientOutput;
}

export async function keepInStepScenario(
  sales: number,
  changed: number,
): Promise<KeepInStepFigures> {
  const sb = await startTestSandbox({ seed: 11, sales, timeScale: TIME_SCALE });
  try {
    const stateDir = tempDir('dear-bench-keep-');
    const input: ClientInput = {
      client: 'ours',
      action: 'import',
      statuses: IMPORT_STATUSES,
      stateDir,
      timeScale: TIME_SCALE,
      dearBaseUrl: sb.dearBaseUrl,
      starshipitBaseUrl: sb.starshipitBaseUrl,
      credentials: sb.credentials,
    };
    await runImport(input);
    const orders = sb.starshipitOrders();
    const targets = sb
      .eligibleSales(IMPORT_STATUSES)
      .filter((s) => orders.has(s.orderNumber))
      .slice(0, changed);
    if (targets.length < changed)
      throw new Error(
        `keep-in-step setup: only ${targets.length} imported sales, ${changed} wanted`,
      );
    for (const t of targets) {
      sb.updateSale(t.saleId, (sale) => {
        sale.ShippingAddress = {
          ...((sale.ShippingAddress ?? {}) as Record<string, unknown>),
          City: 'Bench Changed City',
        };
      });
    }
    sb.clearCallLog();
    await runImport(input);
    const afterChange = count(sb.callLog());
    const ordersUpdatedInSandbox = targets.filter((t) => {
      const list = (sb.starshipitOrders().get(t.orderNumber) ?? []) as {
        destination?: { city?: string; suburb?: string };
      }[];
      return (
        list.length === 1 &&
        (list[0].destination?.city === 'Bench Changed City' ||
          list[0].destination?.suburb === 'Bench Changed City')
      );
    }).length;
    sb.clearCallLog();
    await runImport(input);
    const noChange = count(sb.callLog());
    return {
      imported: orders.size,
      changed: targets.length,
      afterChange,
      noChange,
      ordersUpdatedInSandbox,
    };
  } finally {
    await sb.close();
  }
}
