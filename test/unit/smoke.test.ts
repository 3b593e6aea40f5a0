import * as assert from 'node:assert/strict';
import { SALE_STATUSES } from '../../protocol/settings';

describe('scaffold', () => {
  it('lists the Cin7 Core sale statuses of cin7-core-api.md §3', () => {
    assert.equal(SALE_STATUSES.length, 16);
    assert.ok(SALE_STATUSES.includes('PICKED'));
    assert.ok(!(SALE_STATUSES as readonly string[]).includes('SHIPPED'));
  });
});
