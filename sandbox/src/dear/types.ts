/**
 * The sandbox's Cin7 Core sale: the wire shapes shared with the engine
 * (server/src/engine/wire/cin7.ts) plus the sandbox's own bookkeeping.
 */
import type {
  Cin7Address,
  Cin7Fulfilment,
  Cin7OrderLine,
  Cin7Sale,
  Cin7ShipLine,
  Cin7StageLine,
} from '../../../server/src/engine/wire/cin7';

export type DearAddress = Cin7Address;
export type DearOrderLine = Cin7OrderLine;
export type DearStageLine = Cin7StageLine;
export type DearShipLine = Cin7ShipLine;
export type DearFulfilment = Cin7Fulfilment;

/** `GET sale?ID=` plus bookkeeping that strip()/saleDetail() removes from every response. */
export interface DearSale extends Cin7Sale {
  /** Sandbox-internal bookkeeping, stripped from every response (see strip()). */
  __meta: {
    index: number;
    createdMs: number;
    updatedMs: number;
    orderNumber: string;
    invoiceNumber: string | null;
    orderDateMs: number;
    problems: string[];
  };
}
