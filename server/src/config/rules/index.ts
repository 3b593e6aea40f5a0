/** Every semantic rule, in the order their diagnostics are reported. */
import { apiVersionRule } from './apiVersion';
import { baseUrlRule } from './baseUrl';
import { courierMappingsRule, unknownCarrierRule } from './courierMappings';
import { credentialRule } from './credentials';
import { fulfilmentsNeedV2Rule, memoAndNoteRule, statusesRule } from './importRules';
import { rateLimitRule } from './rateLimit';
import { customsSenderRule, shippingRulesRule } from './shippingRules';
import { warehousesRule } from './warehouses';
import type { SettingsRule } from './types';
import { yaml11Rule } from './yaml11';

export const SEMANTIC_RULES: readonly SettingsRule[] = [
  yaml11Rule,
  credentialRule,
  apiVersionRule,
  baseUrlRule,
  rateLimitRule,
  statusesRule,
  fulfilmentsNeedV2Rule,
  memoAndNoteRule,
  customsSenderRule,
  shippingRulesRule,
  warehousesRule,
  courierMappingsRule,
  unknownCarrierRule,
];
export type { SettingsRule, RuleContext, RuleOptions } from './types';
