/**
 * Which Starshipit account a sale ships from (`warehouses`): its Cin7 Core `Location` picks a
 * route; the `locations` filter and `unrouted: skip` leave a sale out with the reason.
 */
import { DEFAULT_ACCOUNT, type WarehouseSettings } from '../../../protocol/settings';
import type { Row } from './dearClient';
import { trimmedText } from './coerce';

export type SaleRoute = { account: string } | { skip: { code: string; reason: string } };

/** A location as routes compare it: outer spaces and case ignored. */
export const locationKey = (location: string): string => location.trim().toLowerCase();

export function routeSale(warehouses: WarehouseSettings, sale: Row): SaleRoute {
  const location = trimmedText(sale.Location);
  const key = locationKey(location);
  const shown = location
    ? `"${location.length > 60 ? `${location.slice(0, 60)}…` : location}"`
    : '(none)';
  if (warehouses.locations.length && !warehouses.locations.some((l) => locationKey(l) === key))
    return {
      skip: {
        code: 'location-not-selected',
        reason: `the sale's location ${shown} is not in warehouses.locations`,
      },
    };
  const route = warehouses.routes.find((r) => locationKey(r.location) === key);
  if (route) return { account: route.account };
  if (warehouses.unrouted === 'skip')
    return {
      skip: {
        code: 'location-not-routed',
        reason: `the sale's location ${shown} has no route in warehouses.routes (warehouses.unrouted: skip)`,
      },
    };
  return { account: DEFAULT_ACCOUNT };
}
