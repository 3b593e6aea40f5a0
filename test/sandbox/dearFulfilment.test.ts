import * as assert from 'node:assert/strict';
import { startTestSandbox } from '../support/sandbox';
import type { Sandbox } from '../../sandbox/src/api';
import { dear, UNTHROTTLED_TIME_SCALE } from './helpers';

describe('sandbox: Cin7 Core pick → pack → ship', function () {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await startTestSandbox({ seed: 11, sales: 80, timeScale: UNTHROTTLED_TIME_SCALE });
  });
  afterEach(() => sb.close());

  /** A Simple ORDERED sale with nothing picked yet, and its single TaskID. */
  function freshSale(): { saleId: string; taskId: string } {
    const s = sb.eligibleSales(['ORDERED']).find((x) => {
      if (x.type !== 'Simple Sale') return false;
      const d = sb.sale(x.saleId) as { Fulfilments: { Pick: { Status: string } }[] };
      return d.Fulfilments[0].Pick.Status === 'NOT AVAILABLE';
    });
    assert.ok(s, 'seed has a fresh ORDERED simple sale');
    return { saleId: s.saleId, taskId: s.fulfilments[0].taskId };
  }

  async function orderLines(saleId: string): Promise<{ SKU: string; Quantity: number }[]> {
    return (await dear(sb, `sale?ID=${saleId}`)).json.Order.Lines;
  }

  it('refuses pack before pick, then walks pick → pack → ship with Box on write and Boxes on read', async () => {
    const { saleId, taskId } = freshSale();
    const lines = await orderLines(saleId);
    const early = await dear(sb, 'sale/fulfilment/pack', {
      body: {
        TaskID: taskId,
        Status: 'AUTHORISED',
        Lines: lines.map((l) => ({ SKU: l.SKU, Quantity: l.Quantity, Box: 'Box 1' })),
      },
    });
    assert.equal(early.status, 400);
    assert.match(early.json[0].Exception, /Pick Status is NOT AVAILABLE/);

    const pick = await dear(sb, 'sale/fulfilment/pick', {
      body: { TaskID: taskId, AutoPickMode: 'AUTOPICK' },
    });
    assert.equal(pick.status, 200);
    assert.equal(pick.json.Status, 'AUTHORISED');
    const again = await dear(sb, 'sale/fulfilment/pick', {
      body: { TaskID: taskId, AutoPickMode: 'AUTOPICK' },
    });
    assert.equal(again.status, 400);
    assert.match(again.json[0].Exception, /Status is AUTHORISED/);

    const shipEarly = await dear(sb, 'sale/fulfilment/ship', {
      body: {
        TaskID: taskId,
        Status: 'AUTHORISED',
        Lines: [
          { Box: 'Box 1', Carrier: 'DEFAULT Carrier', TrackingNumber: 'T1', IsShipped: true },
        ],
      },
    });
    assert.equal(shipEarly.status, 400);
    assert.match(shipEarly.json[0].Exception, /Pack Status is NOT AVAILABLE/);

    const boxes = lines.map((l, i) => ({
      SKU: l.SKU,
      Quantity: l.Quantity,
      Box: `Box ${(i % 2) + 1}`,
    }));
    const pack = await dear(sb, 'sale/fulfilment/pack', {
      body: { TaskID: taskId, Status: 'AUTHORISED', Lines: boxes },
    });
    assert.equal(pack.status, 200, pack.text);
    const boxNames = [...new Set(boxes.map((b) => b.Box))];

    const withBoxes = await dear(sb, 'sale/fulfilment/ship', {
      body: {
        TaskID: taskId,
        Status: 'DRAFT',
        Lines: [{ Boxes: 'Box 1', Carrier: 'DEFAULT Carrier' }],
      },
    });
    assert.equal(withBoxes.status, 400, 'the write model uses Box');
    assert.match(withBoxes.json[0].Exception, /Box is required/);

    // First box only, DRAFT: not authorised yet.
    const partial = await dear(sb, 'sale/fulfilment/ship', {
      body: {
        TaskID: taskId,
        Status: 'DRAFT',
        Lines: [
          { Box: boxNames[0], Carrier: 'Australia Post', TrackingNumber: 'TN-1', IsShipped: true },
        ],
      },
    });
    assert.equal(partial.status, 200, partial.text);
    if (boxNames.length > 1) {
      assert.equal(partial.json.Status, 'DRAFT');
      const rest = await dear(sb, 'sale/fulfilment/ship', {
        body: {
          TaskID: taskId,
          Status: 'DRAFT',
          Lines: boxNames.slice(1).map((b, i) => ({
            Box: b,
            Carrier: 'Australia Post',
            TrackingNumber: `TN-${i + 2}`,
            IsShipped: true,
          })),
        },
      });
      assert.equal(rest.status, 200);
      assert.equal(
        rest.json.Status,
        'AUTHORISED',
        'auto-authorised once every packed box is shipped',
      );
    } else {
      assert.equal(
        partial.json.Status,
        'AUTHORISED',
        'auto-authorised once every packed box is shipped',
      );
    }
    const read = (await dear(sb, `sale/fulfilment/ship?TaskID=${taskId}`)).json;
    assert.equal(read.Status, 'AUTHORISED');
    for (const l of read.Lines) {
      assert.ok('Boxes' in l && !('Box' in l));
      assert.match(l.ID, /^[0-9a-f-]{36}$/);
    }
    const sale = (await dear(sb, `sale?ID=${saleId}`)).json;
    assert.equal(sale.CombinedShippingStatus, 'SHIPPED');
    assert.equal(sale.FulFilmentStatus, 'FULFILLED');
    assert.ok(sale.CombinedTrackingNumbers.includes('TN-1'));
    assert.equal(sb.dearShipments().get(taskId)?.status, 'AUTHORISED');

    const reship = await dear(sb, 'sale/fulfilment/ship', {
      body: {
        TaskID: taskId,
        Status: 'AUTHORISED',
        Lines: [
          { Box: boxNames[0], Carrier: 'Australia Post', TrackingNumber: 'X', IsShipped: true },
        ],
      },
    });
    assert.equal(reship.status, 400);
    assert.match(reship.json[0].Exception, /Status is AUTHORISED/);
  });

  it('changes tracking on an authorised shipment only with PUT "AddTrackingNumbers": true', async () => {
    const shipped = sb.eligibleSales(['COMPLETED']).find((s) => s.type === 'Simple Sale');
    assert.ok(shipped);
    const taskId = shipped.fulfilments[0].taskId;
    const before = (await dear(sb, `sale/fulfilment/ship?TaskID=${taskId}`)).json;
    assert.equal(before.Status, 'AUTHORISED');
    const line = before.Lines[0];
    const refused = await dear(sb, 'sale/fulfilment/ship', {
      method: 'PUT',
      body: {
        TaskID: taskId,
        Status: 'AUTHORISED',
        Lines: [{ ID: line.ID, Box: line.Boxes, TrackingNumber: 'NEW-1' }],
      },
    });
    assert.equal(refused.status, 400);
    assert.match(refused.json[0].Exception, /Status is AUTHORISED/);
    const ok = await dear(sb, 'sale/fulfilment/ship', {
      method: 'PUT',
      body: {
        TaskID: taskId,
        AddTrackingNumbers: true,
        Lines: [{ ID: line.ID, TrackingNumber: 'NEW-1', Carrier: 'StarTrack' }],
      },
    });
    assert.equal(ok.status, 200, ok.text);
    const after = (await dear(sb, `sale/fulfilment/ship?TaskID=${taskId}`)).json;
    assert.equal(after.Status, 'AUTHORISED');
    assert.equal(after.Lines[0].TrackingNumber, 'NEW-1');
    assert.equal(after.Lines[0].Carrier, 'StarTrack');
    const sale = (await dear(sb, `sale?ID=${shipped.saleId}`)).json;
    assert.ok(sale.CombinedTrackingNumbers.split(', ').includes('NEW-1'));
    assert.equal(sb.dearShipments().get(taskId)?.writes, 1);
  });

  it('bumps Updated so UpdatedSince finds the changed sale', async () => {
    const { saleId, taskId } = freshSale();
    const before = Date.now() - 1;
    const since = new Date(before).toISOString();
    assert.equal((await dear(sb, `saleList?UpdatedSince=${since}`)).json.Total, 0);
    await dear(sb, 'sale/fulfilment/pick', { body: { TaskID: taskId, AutoPickMode: 'AUTOPICK' } });
    const list = (await dear(sb, `saleList?UpdatedSince=${since}`)).json;
    assert.equal(list.Total, 1);
    assert.equal(list.SaleList[0].SaleID, saleId);
    assert.equal(list.SaleList[0].Status, 'PICKED');
    assert.equal(list.SaleList[0].CombinedPickingStatus, 'PICKED');
    assert.ok(Date.parse(list.SaleList[0].Updated) >= before);
  });

  it('adds a fulfilment with POST sale/fulfilment, turning a Simple sale Advanced', async () => {
    const { saleId, taskId } = freshSale();
    const blocked = await dear(sb, 'sale/fulfilment', { body: { SaleID: saleId } });
    assert.equal(blocked.status, 400, 'an open pick blocks a new fulfilment');
    const lines = await orderLines(saleId);
    await dear(sb, 'sale/fulfilment/pick', {
      body: { TaskID: taskId, Status: 'AUTHORISED', Lines: [{ SKU: lines[0].SKU, Quantity: 1 }] },
    });
    const added = await dear(sb, 'sale/fulfilment', { body: { SaleID: saleId } });
    assert.equal(added.status, 200, added.text);
    assert.equal(added.json.FulfillmentNumber, 2);
    assert.notEqual(added.json.TaskID, taskId);
    const sale = (await dear(sb, `sale?ID=${saleId}`)).json;
    assert.equal(sale.Type, 'Advanced Sale');
    assert.equal(sale.Fulfilments.length, 2);
    assert.equal(sale.CombinedPickingStatus, 'PARTIALLY PICKED');
    const auto = await dear(sb, 'sale/fulfilment/pick', {
      body: { TaskID: added.json.TaskID, AutoPickMode: 'AUTOPICK' },
    });
    assert.equal(auto.status, 200);
    const picked = auto.json.Lines.reduce(
      (a: number, l: { Quantity: number }) => a + l.Quantity,
      0,
    );
    assert.equal(
      picked,
      lines.reduce((a, l) => a + l.Quantity, 0) - 1,
      'AUTOPICK picks what the other fulfilment left',
    );
  });

  it('accepts or rejects a ship-line carrier missing from ref/carrier, by switch', async () => {
    const packed = sb.eligibleSales(['PACKED']).find((s) => s.type === 'Simple Sale');
    assert.ok(packed);
    const taskId = packed.fulfilments[0].taskId;
    const pack = (await dear(sb, `sale/fulfilment/pack?TaskID=${taskId}`)).json;
    const boxes = [...new Set(pack.Lines.map((l: { Box: string }) => l.Box))] as string[];
    const body = {
      TaskID: taskId,
      Status: 'AUTHORISED',
      Lines: boxes.map((b) => ({
        Box: b,
        Carrier: 'Rocket Post',
        TrackingNumber: `RP-${b}`,
        IsShipped: true,
      })),
    };
    sb.setSwitch('dearUnknownCarrier', 'reject');
    const rejected = await dear(sb, 'sale/fulfilment/ship', { body });
    assert.equal(rejected.status, 400);
    assert.match(rejected.json[0].Exception, /Carrier 'Rocket Post' not found/);
    assert.equal(
      sb.dearShipments().get(taskId)?.status,
      'NOT AVAILABLE',
      'a refused write changes nothing',
    );
    sb.setSwitch('dearUnknownCarrier', 'accept');
    const accepted = await dear(sb, 'sale/fulfilment/ship', { body });
    assert.equal(accepted.status, 200);
    assert.equal(accepted.json.Status, 'AUTHORISED');
  });

  it('refuses to authorise a shipment that leaves a packed box unshipped', async () => {
    const packed = sb
      .eligibleSales(['PACKED', 'INVOICED'])
      .map((s) => ({
        s,
        pack: sb.sale(s.saleId) as {
          Fulfilments: {
            Pack: { Status: string; Lines: { Box: string }[] };
            Ship: { Status: string };
          }[];
        },
      }))
      .find(
        ({ pack }) =>
          pack.Fulfilments[0].Pack.Status === 'AUTHORISED' &&
          pack.Fulfilments[0].Ship.Status === 'NOT AVAILABLE' &&
          new Set(pack.Fulfilments[0].Pack.Lines.map((l) => l.Box)).size > 1,
      );
    assert.ok(packed, 'seed has a packed sale with several boxes');
    const r = await dear(sb, 'sale/fulfilment/ship', {
      body: {
        TaskID: packed.s.fulfilments[0].taskId,
        Status: 'AUTHORISED',
        Lines: [{ Box: 'Box 1', Carrier: 'DEFAULT Carrier', TrackingNumber: 'A', IsShipped: true }],
      },
    });
    assert.equal(r.status, 400);
    assert.match(r.json[0].Exception, /not every packed box is shipped/);
  });
});
