import * as assert from 'node:assert/strict';
import {
  filterAndSort,
  matchesFilter,
  mergeSorted,
  SortKeys,
  sortKey,
} from '../../client/src/webview/preview/view';
import type { PreviewOrderRow } from '../../protocol/preview';

const row = (
  orderNumber: string,
  receiver: string,
  address: string,
  extra: Partial<PreviewOrderRow> = {},
): PreviewOrderRow => ({
  orderNumber,
  receiver,
  company: '',
  address,
  items: '1 × SKU-A Widget',
  itemCount: 1,
  deliveryInstructions: '',
  shippingMethod: 'Express',
  courier: '',
  customs: '',
  account: '',
  saleId: `sale-${orderNumber}`,
  taskId: '',
  warnings: [],
  payload: {},
  ...extra,
});

describe('preview filter and sort (webview)', () => {
  const rows = [
    row('SO-10', 'Zoë Ng', 'Sydney NSW'),
    row('SO-2', 'ann lee', 'Auckland', { warnings: ['delivery instructions cut'] }),
    row('SO-1', 'Bob', 'Sydney NSW', { items: '2 × SKU-B Gadget' }),
  ];

  it('matches every word, case-insensitively, across fields including warnings', () => {
    assert.ok(matchesFilter(rows[0], 'zoë sydney'));
    assert.ok(!matchesFilter(rows[0], 'zoë auckland'));
    assert.ok(matchesFilter(rows[1], 'CUT'));
    assert.ok(matchesFilter(rows[2], '  '));
  });

  it('sorts naturally in both directions and keeps ties stable', () => {
    assert.deepEqual(
      filterAndSort(rows, '', 'orderNumber', false).map((r) => r.orderNumber),
      ['SO-1', 'SO-2', 'SO-10'],
    );
    assert.deepEqual(
      filterAndSort(rows, '', 'orderNumber', true).map((r) => r.orderNumber),
      ['SO-10', 'SO-2', 'SO-1'],
    );
    assert.deepEqual(
      filterAndSort(rows, '', 'address', false).map((r) => r.orderNumber),
      ['SO-2', 'SO-10', 'SO-1'],
    );
    assert.deepEqual(
      filterAndSort(rows, 'sydney', 'receiver', false).map((r) => r.orderNumber),
      ['SO-1', 'SO-10'],
    );
    assert.deepEqual(
      rows.map((r) => r.orderNumber),
      ['SO-10', 'SO-2', 'SO-1'],
      'the input is not mutated',
    );
  });

  it('merges rows that arrive later into the sorted list exactly as sorting them all would', () => {
    const many = Array.from({ length: 40 }, (_, i) =>
      row(`SO-${(i * 7) % 40}`, i % 3 ? 'Ann' : 'Zoë', i % 2 ? 'Sydney' : 'Perth'),
    );
    const keys = new SortKeys(many);
    for (const descending of [false, true]) {
      const compare = keys.comparator('receiver', descending);
      const firstPart = [...Array(25).keys()].sort(compare);
      const later = [...Array(15).keys()].map((i) => i + 25).sort(compare);
      const all = [...Array(40).keys()].sort(compare);
      assert.deepEqual(mergeSorted(firstPart, later, compare), all);
    }
    assert.ok(sortKey('SO-2') < sortKey('SO-10'));
    assert.equal(sortKey('Zoë'), sortKey('ZOE'));
  });
});
