/**
 * An account's view of a run: its own Starshipit client, runner and listing, and the run's
 * everything else — including what the run sets after the view was made (reconcile --apply sets
 * the order numbers to import only once the comparison, which already made the views, is done).
 */
import * as assert from 'node:assert/strict';
import { accountView, type RunContext } from '../../server/src/engine/context';

function runWithTwoAccounts(): RunContext {
  const account = (name: string) => ({ name, client: { name }, runner: { name } });
  return {
    account: 'default',
    accounts: [account('default'), account('nz')],
    starshipit: { name: 'default' },
    starshipitRunner: { name: 'default' },
    existingOrders: new Map([['SO-1', 1]]),
  } as unknown as RunContext;
}

describe('engine: account views of a run', () => {
  it("a view has its account's client, runner and listing, and sees what the run sets later", () => {
    const run = runWithTwoAccounts();
    const nz = accountView(run, 'nz');
    assert.equal(nz.account, 'nz');
    assert.deepEqual(nz.starshipit, { name: 'nz' });
    assert.deepEqual(nz.starshipitRunner, { name: 'nz' });
    assert.equal(nz.existingOrders, undefined, 'its own listing, not the default account’s');
    assert.equal(accountView(run, 'nz'), nz, 'one view per account and run');
    assert.equal(accountView(run, 'default'), run);

    run.onlyOrderNumbers = new Set(['SO-2-F2']);
    assert.deepEqual([...(nz.onlyOrderNumbers ?? [])], ['SO-2-F2']);
    run.onlyOrderNumbers = undefined;
    assert.equal(nz.onlyOrderNumbers, undefined);
    nz.existingOrders = new Map();
    assert.equal(run.existingOrders?.size, 1, 'the view’s listing stays its own');
  });
});
