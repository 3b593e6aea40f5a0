/**
 * The pick → pack → ship state machine of one fulfilment. Every function
 * runs inside DearStore.mutate on a private copy, so a thrown DearError leaves the sale untouched.
 */
import { dearDate } from '../time';
import { LOCATION, locationId, NON_INVENTORY_SKUS, taskId as makeTaskId } from './generate';
import { DearError, type DearStore } from './store';
import type { DearFulfilment, DearSale, DearShipLine, DearStageLine } from './types';

type Obj = Record<string, unknown>;

const SIMPLE_FLOW = [
  'ORDERED',
  'BACKORDERED',
  'PICKING',
  'PICKED',
  'PACKING',
  'PACKED',
  'SHIPPING',
];

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function findFulfilment(sale: DearSale, id: string): DearFulfilment {
  const fulfilment = sale.Fulfilments.find((x) => x.TaskID.toLowerCase() === id.toLowerCase());
  if (!fulfilment) throw new DearError(400, `Sale fulfilment with TaskID ${id} not found.`);
  return fulfilment;
}

/** Simple sales walk their Status along with the stages; Advanced sales keep theirs (Combined* tell the story). */
function advanceSimpleStatus(sale: DearSale, to: string): void {
  if (sale.Type !== 'Simple Sale') return;
  const from = SIMPLE_FLOW.indexOf(sale.Status);
  const target = SIMPLE_FLOW.indexOf(to);
  if (from >= 0 && target > from) sale.Status = to;
}

function requireOrderAuthorised(sale: DearSale, action: string): void {
  if (sale.Order.Status !== 'AUTHORISED') {
    throw new DearError(
      400,
      `Cannot ${action} sale ${sale.__meta.orderNumber}: sale order is not authorised (Order Status is ${sale.Order.Status}).`,
    );
  }
}

function readStatus(body: Obj, allowed: string[], stage: string): string {
  const status = str(body.Status)?.toUpperCase();
  if (!status) throw new DearError(400, `${stage}: Status is required (${allowed.join(' or ')}).`);
  if (!allowed.includes(status))
    throw new DearError(
      400,
      `${stage}: Status '${String(body.Status)}' is not valid (${allowed.join(' or ')}).`,
    );
  return status;
}

function readLines(body: Obj, stage: string): Obj[] {
  if (body.Lines === undefined || body.Lines === null) return [];
  if (!Array.isArray(body.Lines)) throw new DearError(400, `${stage}: Lines must be an array.`);
  return body.Lines.map((line, i) => {
    if (!line || typeof line !== 'object')
      throw new DearError(400, `${stage}: line ${i + 1} is not an object.`);
    return line as Obj;
  });
}

function sumBySku(lines: DearStageLine[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const line of lines) totals.set(line.SKU, (totals.get(line.SKU) ?? 0) + line.Quantity);
  return totals;
}

/** Turn request lines into stage lines, matching each to an order line by ProductID or SKU. */
function toStageLines(
  store: DearStore,
  sale: DearSale,
  raw: Obj[],
  stage: string,
  withBox: boolean,
): DearStageLine[] {
  return raw.map((rawLine, i) => {
    const pid = str(rawLine.ProductID);
    const sku = str(rawLine.SKU);
    const ol = sale.Order.Lines.find(
      (o) => (pid && o.ProductID.toLowerCase() === pid.toLowerCase()) || (sku && o.SKU === sku),
    );
    if (!ol)
      throw new DearError(
        400,
        `${stage}: line ${i + 1}: product ${sku ?? pid ?? '(no SKU/ProductID)'} is not on sale order ${sale.__meta.orderNumber}.`,
      );
    const qty = Number(rawLine.Quantity);
    if (!(qty > 0))
      throw new DearError(
        400,
        `${stage}: line ${i + 1} (SKU ${ol.SKU}): Quantity must be greater than 0.`,
      );
    const line: DearStageLine = {
      ProductID: ol.ProductID,
      SKU: ol.SKU,
      Name: ol.Name,
      Location: str(rawLine.Location) ?? LOCATION,
      LocationID: str(rawLine.LocationID) ?? locationId(store.seed),
      Quantity: qty,
      BatchSN: str(rawLine.BatchSN) ?? null,
      ExpiryDate: str(rawLine.ExpiryDate) ?? null,
      NonInventory: NON_INVENTORY_SKUS.has(ol.SKU),
    };
    if (withBox) {
      line.Box = str(rawLine.Box)?.trim() || 'Box 1';
      line.WarrantyRegistrationNumber = null;
    }
    return line;
  });
}

export function pickWrite(
  store: DearStore,
  sale: DearSale,
  body: Obj,
  method: 'POST' | 'PUT',
): Obj {
  const fulfilment = findFulfilment(sale, str(body.TaskID) ?? '');
  requireOrderAuthorised(sale, 'pick');
  if (!['DRAFT', 'NOT AVAILABLE'].includes(fulfilment.Pick.Status)) {
    throw new DearError(
      400,
      `Pick Status is ${fulfilment.Pick.Status}. Pick for TaskID ${fulfilment.TaskID} cannot be changed.`,
    );
  }
  const others = sale.Fulfilments.filter(
    (x) => x !== fulfilment && x.Pick.Status !== 'VOIDED',
  ).flatMap((x) => x.Pick.Lines);
  const pickedElsewhere = sumBySku(others);
  if (str(body.AutoPickMode)?.toUpperCase() === 'AUTOPICK') {
    const lines: DearStageLine[] = [];
    // The supplier ships drop-ship lines: auto-pick leaves them alone.
    for (const ol of sale.Order.Lines.filter((l) => !l.DropShip)) {
      const left = ol.Quantity - (pickedElsewhere.get(ol.SKU) ?? 0);
      if (left > 0)
        lines.push(toStageLines(store, sale, [{ SKU: ol.SKU, Quantity: left }], 'Pick', false)[0]);
    }
    if (lines.length === 0)
      throw new DearError(
        400,
        `Nothing left to pick for TaskID ${fulfilment.TaskID}: every order line is already picked in another fulfilment.`,
      );
    fulfilment.Pick = { Status: 'AUTHORISED', Lines: lines };
  } else {
    const status = readStatus(body, ['DRAFT', 'AUTHORISED'], 'Pick');
    const incoming = toStageLines(store, sale, readLines(body, 'Pick'), 'Pick', false);
    const lines = method === 'POST' ? [...fulfilment.Pick.Lines, ...incoming] : incoming;
    if (status === 'AUTHORISED' && lines.length === 0)
      throw new DearError(
        400,
        `Pick: Lines are required to authorise the pick of TaskID ${fulfilment.TaskID}.`,
      );
    const mine = sumBySku(lines);
    for (const ol of sale.Order.Lines) {
      const total = (mine.get(ol.SKU) ?? 0) + (pickedElsewhere.get(ol.SKU) ?? 0);
      if (total > ol.Quantity)
        throw new DearError(
          400,
          `Pick: SKU ${ol.SKU}: picking ${total} but sale order ${sale.__meta.orderNumber} has ${ol.Quantity}.`,
        );
    }
    fulfilment.Pick = { Status: status, Lines: lines };
  }
  advanceSimpleStatus(sale, fulfilment.Pick.Status === 'AUTHORISED' ? 'PICKED' : 'PICKING');
  return {
    TaskID: fulfilment.TaskID,
    Status: fulfilment.Pick.Status,
    Lines: fulfilment.Pick.Lines,
  };
}

export function packWrite(
  store: DearStore,
  sale: DearSale,
  body: Obj,
  method: 'POST' | 'PUT',
): Obj {
  const fulfilment = findFulfilment(sale, str(body.TaskID) ?? '');
  if (fulfilment.Pick.Status !== 'AUTHORISED') {
    throw new DearError(
      400,
      `Cannot pack TaskID ${fulfilment.TaskID}: Pick Status is ${fulfilment.Pick.Status}. Authorise the pick first.`,
    );
  }
  if (!['DRAFT', 'NOT AVAILABLE'].includes(fulfilment.Pack.Status)) {
    throw new DearError(
      400,
      `Pack Status is ${fulfilment.Pack.Status}. Pack for TaskID ${fulfilment.TaskID} cannot be changed.`,
    );
  }
  const status = readStatus(body, ['DRAFT', 'AUTHORISED'], 'Pack');
  const incoming = toStageLines(store, sale, readLines(body, 'Pack'), 'Pack', true);
  const lines = method === 'POST' ? [...fulfilment.Pack.Lines, ...incoming] : incoming;
  const picked = sumBySku(fulfilment.Pick.Lines);
  const packed = sumBySku(lines);
  for (const [sku, quantity] of packed) {
    if (quantity > (picked.get(sku) ?? 0))
      throw new DearError(
        400,
        `Pack: SKU ${sku}: packing ${quantity} but only ${picked.get(sku) ?? 0} picked on TaskID ${fulfilment.TaskID}.`,
      );
  }
  if (status === 'AUTHORISED') {
    for (const [sku, quantity] of picked) {
      if ((packed.get(sku) ?? 0) < quantity)
        throw new DearError(
          400,
          `Pack: SKU ${sku}: picked ${quantity} but packed ${packed.get(sku) ?? 0} on TaskID ${fulfilment.TaskID}; pack every picked item to authorise.`,
        );
    }
  }
  fulfilment.Pack = { Status: status, Lines: lines };
  advanceSimpleStatus(sale, status === 'AUTHORISED' ? 'PACKED' : 'PACKING');
  return {
    TaskID: fulfilment.TaskID,
    Status: fulfilment.Pack.Status,
    Lines: fulfilment.Pack.Lines,
  };
}

function boxesOf(text: string): string[] {
  return text
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
}

export interface ShipOptions {
  unknownCarrier: 'accept' | 'reject';
}

export function shipView(fulfilment: DearFulfilment): Obj {
  return {
    TaskID: fulfilment.TaskID,
    Status: fulfilment.Ship.Status,
    RequireBy: fulfilment.Ship.RequireBy,
    ShippingAddress: fulfilment.Ship.ShippingAddress,
    ShippingNotes: fulfilment.Ship.ShippingNotes,
    Lines: fulfilment.Ship.Lines,
  };
}

/** One ship line of a write, checked: its boxes (possibly none) and carrier. */
interface ShipLineWrite {
  raw: Obj;
  boxes: string[];
  carrier: string;
}

export function shipWrite(
  store: DearStore,
  sale: DearSale,
  body: Obj,
  method: 'POST' | 'PUT',
  opts: ShipOptions,
): Obj {
  const fulfilment = findFulfilment(sale, str(body.TaskID) ?? '');
  const addTracking = body.AddTrackingNumbers === true;
  const authorised =
    fulfilment.Ship.Status === 'AUTHORISED' || fulfilment.Ship.Status === 'PARTIALLY AUTHORISED';
  if (method === 'POST' || !addTracking || !authorised)
    refuseShipChange(fulfilment, method, authorised);
  const packedBoxes = [...new Set(fulfilment.Pack.Lines.map((l) => l.Box ?? 'Box 1'))];
  const parsed = readLines(body, 'Ship').map((line, i) =>
    checkShipLine(store, fulfilment, line, i, {
      boxOptional: addTracking && authorised,
      packedBoxes,
      opts,
    }),
  );
  if (addTracking && authorised && method === 'PUT') amendShippedLines(fulfilment, parsed);
  else replaceShipLines(store, sale, fulfilment, { body, method, parsed, packedBoxes });
  if (body.RequireBy !== undefined) fulfilment.Ship.RequireBy = str(body.RequireBy) ?? null;
  if (body.ShippingNotes !== undefined)
    fulfilment.Ship.ShippingNotes = str(body.ShippingNotes) ?? '';
  if (body.ShippingAddress && typeof body.ShippingAddress === 'object')
    fulfilment.Ship.ShippingAddress = {
      ...fulfilment.Ship.ShippingAddress,
      ...(body.ShippingAddress as object),
    };
  store.shipWrites.set(fulfilment.TaskID, (store.shipWrites.get(fulfilment.TaskID) ?? 0) + 1);
  advanceSimpleStatus(sale, 'SHIPPING');
  return shipView(fulfilment);
}

/** A shipment needs an authorised pack, and once authorised only takes tracking changes. */
function refuseShipChange(
  fulfilment: DearFulfilment,
  method: 'POST' | 'PUT',
  authorised: boolean,
): void {
  if (fulfilment.Pack.Status !== 'AUTHORISED')
    throw new DearError(
      400,
      `Cannot ship TaskID ${fulfilment.TaskID}: Pack Status is ${fulfilment.Pack.Status}. Authorise the pack first.`,
    );
  if (authorised) {
    const hint =
      method === 'PUT'
        ? ' Send "AddTrackingNumbers": true to change tracking numbers or carrier.'
        : ' Use PUT with "AddTrackingNumbers": true to change tracking numbers or carrier.';
    throw new DearError(
      400,
      `Ship Status is ${fulfilment.Ship.Status}. Shipment for TaskID ${fulfilment.TaskID} cannot be changed.${hint}`,
    );
  }
}

function checkShipLine(
  store: DearStore,
  fulfilment: DearFulfilment,
  line: Obj,
  i: number,
  rules: { boxOptional: boolean; packedBoxes: string[]; opts: ShipOptions },
): ShipLineWrite {
  const where = `Ship line ${i + 1}`;
  const boxText = str(line.Box);
  if (boxText === undefined && !rules.boxOptional) {
    throw new DearError(
      400,
      `${where}: Box is required${line.Boxes !== undefined ? ' (the write model uses "Box"; "Boxes" is the read-only name)' : ''}.`,
    );
  }
  const boxes = boxText === undefined ? [] : boxesOf(boxText);
  for (const box of boxes)
    if (!rules.packedBoxes.includes(box))
      throw new DearError(
        400,
        `${where}: Box '${box}' is not in the pack of TaskID ${fulfilment.TaskID} (packed: ${rules.packedBoxes.join(', ')}).`,
      );
  for (const field of ['Carrier', 'Box', 'TrackingNumber'] as const) {
    const value = str(line[field]);
    if (value !== undefined && value.length > 256)
      throw new DearError(
        400,
        `${where}: ${field} must be at most 256 characters (got ${value.length}).`,
      );
  }
  const carrier = str(line.Carrier) ?? '';
  const known = store.carriers.some(
    (c) => c.Description.toLowerCase() === carrier.trim().toLowerCase(),
  );
  if (carrier && rules.opts.unknownCarrier === 'reject' && !known) {
    throw new DearError(
      400,
      `${where}: Carrier '${carrier}' not found. Add it in ref/carrier first.`,
    );
  }
  return { raw: line, boxes, carrier };
}

/** Only tracking numbers / URLs / carrier change on an authorised shipment. */
function amendShippedLines(fulfilment: DearFulfilment, parsed: ShipLineWrite[]): void {
  for (const [i, lineWrite] of parsed.entries()) {
    const id = str(lineWrite.raw.ID);
    const target = fulfilment.Ship.Lines.find(
      (line) =>
        (id && line.ID.toLowerCase() === id.toLowerCase()) ||
        (!id &&
          lineWrite.boxes.length > 0 &&
          boxesOf(line.Boxes).join(',') === lineWrite.boxes.join(',')),
    );
    if (!target)
      throw new DearError(
        400,
        `Ship line ${i + 1}: no shipped line with ${id ? `ID ${id}` : `Box '${lineWrite.boxes.join(', ')}'`} on TaskID ${fulfilment.TaskID}.`,
      );
    if (lineWrite.raw.TrackingNumber !== undefined)
      target.TrackingNumber = str(lineWrite.raw.TrackingNumber) ?? '';
    if (lineWrite.raw.TrackingURL !== undefined)
      target.TrackingURL = str(lineWrite.raw.TrackingURL) ?? '';
    if (lineWrite.carrier) target.Carrier = lineWrite.carrier;
  }
}

/** POST adds ship lines, PUT replaces them; each box on one line; the status follows the boxes. */
function replaceShipLines(
  store: DearStore,
  sale: DearSale,
  fulfilment: DearFulfilment,
  write: { body: Obj; method: 'POST' | 'PUT'; parsed: ShipLineWrite[]; packedBoxes: string[] },
): void {
  const { method, packedBoxes } = write;
  const newLines: DearShipLine[] = write.parsed.map((lineWrite) => ({
    ID: store.newShipLineId(sale.__meta.index),
    ShipmentDate: str(lineWrite.raw.ShipmentDate) ?? dearDate(Date.now()),
    Carrier: lineWrite.carrier,
    Boxes: lineWrite.boxes.join(', '),
    TrackingNumber: str(lineWrite.raw.TrackingNumber) ?? '',
    TrackingURL: str(lineWrite.raw.TrackingURL) ?? '',
    IsShipped: lineWrite.raw.IsShipped === undefined ? true : lineWrite.raw.IsShipped === true,
  }));
  const lines = method === 'POST' ? [...fulfilment.Ship.Lines, ...newLines] : newLines;
  const seen = new Set<string>();
  for (const line of lines)
    for (const box of boxesOf(line.Boxes)) {
      if (seen.has(box))
        throw new DearError(
          400,
          `Ship: Box '${box}' appears on more than one ship line of TaskID ${fulfilment.TaskID}.`,
        );
      seen.add(box);
    }
  if (method === 'PUT') {
    const missing = packedBoxes.filter((box) => !seen.has(box));
    if (missing.length)
      throw new DearError(
        400,
        `Ship: PUT must list every packed box of TaskID ${fulfilment.TaskID}; missing ${missing.join(', ')}.`,
      );
  }
  const status = shipStatusFor(fulfilment, write.body, lines, packedBoxes);
  fulfilment.Ship.Lines = lines;
  fulfilment.Ship.Status = status;
}

/** Every packed box shipped authorises the shipment; a requested status must fit the boxes. */
function shipStatusFor(
  fulfilment: DearFulfilment,
  body: Obj,
  lines: DearShipLine[],
  packedBoxes: string[],
): string {
  const requested =
    body.Status === undefined
      ? 'DRAFT'
      : readStatus(body, ['DRAFT', 'PARTIALLY AUTHORISED', 'AUTHORISED'], 'Ship');
  const shipped = new Set(lines.filter((l) => l.IsShipped).flatMap((l) => boxesOf(l.Boxes)));
  const allShipped = packedBoxes.every((box) => shipped.has(box));
  if (allShipped && (requested !== 'DRAFT' || shipped.size > 0)) return 'AUTHORISED';
  if (requested === 'AUTHORISED')
    throw new DearError(
      400,
      `Ship: cannot authorise TaskID ${fulfilment.TaskID}: not every packed box is shipped (missing ${packedBoxes.filter((box) => !shipped.has(box)).join(', ')}).`,
    );
  if (requested === 'PARTIALLY AUTHORISED') {
    if (shipped.size === 0)
      throw new DearError(
        400,
        `Ship: PARTIALLY AUTHORISED needs at least one shipped box on TaskID ${fulfilment.TaskID}.`,
      );
    return 'PARTIALLY AUTHORISED';
  }
  return 'DRAFT';
}

export function addFulfilment(store: DearStore, sale: DearSale): Obj {
  requireOrderAuthorised(sale, 'add a fulfilment to');
  const open = sale.Fulfilments.find(
    (f) => f.Pick.Status !== 'AUTHORISED' && f.Pick.Status !== 'VOIDED',
  );
  if (open)
    throw new DearError(
      400,
      `Cannot add a fulfilment to sale ${sale.__meta.orderNumber}: pick of fulfilment ${open.FulfillmentNumber} (TaskID ${open.TaskID}) is ${open.Pick.Status}; authorise it first.`,
    );
  const fulfilmentNumber =
    sale.Fulfilments.reduce((m, f) => Math.max(m, f.FulfillmentNumber), 0) + 1;
  const fulfilment: DearFulfilment = {
    TaskID: makeTaskId(store.seed, sale.__meta.index, fulfilmentNumber),
    FulfillmentNumber: fulfilmentNumber,
    LinkedInvoiceNumber: null,
    FulFilmentStatus: 'NOT FULFILLED',
    Pick: { Status: 'NOT AVAILABLE', Lines: [] },
    Pack: { Status: 'NOT AVAILABLE', Lines: [] },
    Ship: {
      Status: 'NOT AVAILABLE',
      RequireBy: null,
      ShippingAddress: { ...sale.ShippingAddress },
      ShippingNotes: '',
      Lines: [],
    },
  };
  sale.Fulfilments.push(fulfilment);
  sale.Type = 'Advanced Sale'; // a Simple sale with a second fulfilment becomes Advanced, never back
  return { SaleID: sale.ID, ...fulfilment };
}
