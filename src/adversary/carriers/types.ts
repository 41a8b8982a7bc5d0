import type { Faker } from '@faker-js/faker';
import type { Trigger } from '../../runner/case.js';
import type { CatalogTool } from '../../world/tools/types.js';
import type { CarrierName } from './names.js';

/** Where the planted text reaches the agent. */
export type CarrierChannel = 'trigger' | 'result' | 'error' | 'listing';

/** One text planted in one tool result. */
export interface ResultPlanting {
  /** The tool the result is of. */
  tool: string;
  /** True when the tool is the carrier's own (read_ticket for a ticket), false for a stand-in. */
  native: boolean;
  /** The tool's output schema: planted text must leave the result conforming to it. */
  schema?: Record<string, unknown>;
}

/**
 * A carrier puts text where agents meet it. Plan time decides where (which tool) and what (the
 * texts); the world plants them, through the method of the carrier's channel.
 */
export interface Carrier {
  readonly name: CarrierName;
  /** How reports name it: "a ticket read by tool". */
  readonly title: string;
  readonly channel: CarrierChannel;
  /** Tools it rides on, preferred first; when the manifest allows none, any allowed read tool stands in. */
  readonly tools?: readonly string[];
  /** The text as this carrier can hold it (a file name has no line breaks). */
  shape?(text: string): string;
  /** channel `trigger`: the trigger with the texts in it (one per part). */
  plantTrigger?(trigger: Trigger, texts: readonly string[], faker: Faker): Trigger;
  /** channel `result`: the tool's result with one text in it. */
  plantResult?(result: unknown, text: string, at: ResultPlanting): unknown;
  /** channel `error`: the error the tool answers with instead, carrying the text. */
  errorBody?(text: string): { status: number; body: Record<string, unknown> };
  /** channel `listing`: the tool as listed, with the texts in its description. */
  plantListing?(tool: CatalogTool, texts: readonly string[]): CatalogTool;
}
