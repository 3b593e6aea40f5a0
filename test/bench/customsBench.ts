/**
 * Scenario 1c (README, Performance): customs data costs Cin7 calls per changed product, never per
 * order. The first fill of the product cache is measured on one sandbox; the import with a warm
 * cache on a second sandbox of the same seed (the same sales, an empty Starshipit) whose state
 * directory starts with the first one's `products.json`. Engine in this process, counted from the
 * sandbox's call log.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Sandbox } from '../../sandbox/src/api';
import { startTestSandbox } from '../support/sandbox';
import { runEngine } from '../../server/src/engine/index';
import { PRODUCTS_FILE } from '../../server/src/engine/productCache';
import type { SummaryEvent } from '../../protocol/events';
import { IMPORT_STATUSES, TIME_SCALE, repairInvalidSales, tempDir } from './engineBench';
import { benchSettings, credentialsLookup } from './settings';

const SEED = 7;
/** Products every sale can name (sandbox/src/dear/products.ts); filler products come on top. */
const SALE_PRODUCTS = 15;

export interface CustomsScenario {
  sales: number;
  products: number;
  /** First fill: `GET product` pages read, and per 1,000 products. */
  fillCalls: number;
  fillCallsPer1000: number;
  /** Warm cache: the import's Cin7 calls by route, and the orders it created. */
  warm: { saleList: number; sale: number; product: number; other: number; orders: number };
  warmCallsPerOrder: number;
  /** International orders of the warm import that carry customs data on every line. */
  internationalOrders: number;
}

async function importWithCustoms(sb: Sandbox, stateDir: string): Promise<SummaryEvent> {
  repairInvalidSales(sb, IMPORT_STATUSES);
  sb.clearCallLog();
  const settings = benchSettings(sb.dearBaseUrl, sb.starshipitBaseUrl, {
    statuses: IMPORT_STATUSES,
    timeScale: TIME_SCALE,
    customs: true,
  });
  return runEngine({
    settings,
    configPath: path.join(stateDir, 'dear-starshipit.yaml'),
    stateDir,
    mode: 'import',
    dryRun: false,
    secrets: credentialsLookup(sb.credentials),
    onEvent: () => undefined,
  });
}

const dearRoutes = (sb: Sandbox, route: RegExp): number =>
  sb.callLog().filter((e) => e.api === 'dear' && route.test(e.route)).length;

export async function customsScenario(sales: number, filler: number): Promise<CustomsScenario> {
  const coldDir = tempDir();
  const cold = await startTestSandbox({
    seed: SEED,
    sales,
    timeScale: TIME_SCALE,
    products: filler,
  });
  let fillCalls: number;
  try {
    await importWithCustoms(cold, coldDir);
    fillCalls = dearRoutes(cold, /\/product$/i);
  } finally {
    await cold.close();
  }
  const warmDir = tempDir();
  fs.copyFileSync(path.join(coldDir, PRODUCTS_FILE), path.join(warmDir, PRODUCTS_FILE));
  const warm = await startTestSandbox({
    seed: SEED,
    sales,
    timeScale: TIME_SCALE,
    products: filler,
  });
  try {
    const summary = await importWithCustoms(warm, warmDir);
    const all = warm.callLog().filter((e) => e.api === 'dear').length;
    const saleList = dearRoutes(warm, /\/saleList$/i);
    const sale = dearRoutes(warm, /\/sale$/i);
    const product = dearRoutes(warm, /\/product$/i);
    const international = [...warm.starshipitOrders().values()].filter((list) => {
      const o = list[0] as {
        destination?: { country?: string };
        items?: { tariff_code?: string }[];
      };
      return o.destination?.country !== 'Australia' && (o.items ?? []).every((i) => i.tariff_code);
    }).length;
    const products = SALE_PRODUCTS + filler;
    return {
      sales,
      products,
      fillCalls,
      fillCallsPer1000: fillCalls / (products / 1000),
      warm: {
        saleList,
        sale,
        product,
        other: all - saleList - sale - product,
        orders: summary.created,
      },
      warmCallsPerOrder: all / Math.max(1, summary.created),
      internationalOrders: international,
    };
  } finally {
    await warm.close();
  }
}
