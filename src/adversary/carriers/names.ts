/**
 * Where a payload or bait meets the agent: the places agents read untrusted text. The one list;
 * the registry (`index.ts`) must have a carrier for each.
 */
export const CARRIER_NAMES = [
  'trigger',
  'ticket',
  'email',
  'document',
  'web',
  'json-deep',
  'error',
  'tool-description',
  'file-name',
] as const;
export type CarrierName = (typeof CARRIER_NAMES)[number];
