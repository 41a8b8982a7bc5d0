import type { CarrierName } from './names.js';
import { toolDescriptionCarrier } from './tool-description.js';
import { errorCarrier } from './tool-error.js';
import { documentCarrier, fileNameCarrier, jsonDeepCarrier, ticketCarrier, webCarrier } from './tool-result.js';
import { emailCarrier, triggerCarrier } from './trigger.js';
import type { Carrier } from './types.js';

export { CARRIER_NAMES, type CarrierName } from './names.js';
export type { Carrier, CarrierChannel, ResultPlanting } from './types.js';

/** The one registry of carriers, by name. */
export const CARRIERS: Readonly<Record<CarrierName, Carrier>> = {
  trigger: triggerCarrier,
  ticket: ticketCarrier,
  email: emailCarrier,
  document: documentCarrier,
  web: webCarrier,
  'json-deep': jsonDeepCarrier,
  error: errorCarrier,
  'tool-description': toolDescriptionCarrier,
  'file-name': fileNameCarrier,
};
