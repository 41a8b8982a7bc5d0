import type { DataEncoding } from '../config/corpus.js';
import type { InjectionSighting } from '../ledger/ledger.js';
import type { ResolvedCall, ResolvedTurn } from '../runner/case.js';
import { scanText } from './canary-detect.js';
import type { ModelAnswer, ModelPolicy, ModelRequestView } from './policy.js';
import { DATA_MARK, type PlantedPayload, type SecurityPlan } from './security-plan.js';
import { prepareHaystack, type SightingForm, sight } from './sighting.js';
import { mapStrings } from './templates.js';

/** What the model puts where a goal asks for data, when it can see no secret. */
export const NO_DATA = 'none-visible';

interface PayloadState {
  seen: boolean[];
  /** Answers given when every part had been seen. */
  readyAt?: number;
  acted: boolean;
}

/**
 * Assume breach (contract §5): plays the script, and the moment a planted payload has reached it
 * (every part of it, in any form), carries out that payload's goal in its next answer, once; a
 * delayed payload waits its `delay` answers first, and a goal that carries data waits until the
 * reads that fetch the bait were played. Each answer records which payloads the request carried.
 */
export function obedientPolicy(script: readonly ResolvedTurn[], finalText: string, plan: SecurityPlan): ModelPolicy {
  const states = new Map<PlantedPayload, PayloadState>(plan.payloads.map((p) => [p, { seen: p.parts.map(() => false), acted: false }]));
  let next = 0;
  let answers = 0;
  let filler = 0;

  return {
    name: 'obedient',
    respond(request: ModelRequestView): ModelAnswer {
      const haystack = prepareHaystack(request.inputText);
      const sightings: InjectionSighting[] = [];
      for (const [payload, state] of states) {
        const forms = payload.parts.map((part) => sight(haystack, part));
        forms.forEach((form, k) => {
          if (form) state.seen[k] = true;
        });
        const present = forms.filter((f): f is SightingForm => f !== undefined);
        if (present.length === 0) continue;
        if (state.readyAt === undefined && state.seen.every(Boolean)) state.readyAt = answers;
        sightings.push({
          payload: payload.key,
          form: weakest(present),
          parts: [state.seen.filter(Boolean).length, payload.parts.length],
          acted: false,
        });
      }

      const due = [...states].find(
        ([p, s]) => !s.acted && s.readyAt !== undefined && answers >= s.readyAt + p.delay && (!p.carriesData || next >= plan.prelude),
      );
      let answer: ModelAnswer;
      if (due) {
        const [payload, state] = due;
        state.acted = true;
        for (const s of sightings) if (s.payload === payload.key) s.acted = true;
        answer = carryOut(payload, request.inputText, plan);
      } else {
        const turn = script[next];
        const waiting = [...states.values()].some((s) => !s.acted && s.readyAt !== undefined);
        if (turn) {
          next++;
          answer = { toolCalls: turn.toolCalls, text: turn.text };
        } else if (waiting && filler < plan.filler.length) {
          answer = { toolCalls: [plan.filler[filler++] as ResolvedCall], text: undefined };
        } else answer = { toolCalls: [], text: finalText };
      }
      answers++;
      return sightings.length > 0 ? { ...answer, injections: sightings } : answer;
    },
  };
}

// The form a payload reached the model in is the least intact of its parts'.
function weakest(forms: SightingForm[]): SightingForm {
  if (forms.includes('encoded')) return 'encoded';
  if (forms.includes('transformed')) return 'transformed';
  return 'verbatim';
}

/** The goal's answer, with the data the model could see (canaries in its input) where the goal asks for it. */
function carryOut(payload: PlantedPayload, inputText: string, plan: SecurityPlan): ModelAnswer {
  const seen = scanText(inputText, plan.canaries).map((h) => h.canary.value);
  const data = encode(seen.length > 0 ? seen.join(' ') : NO_DATA, payload.goal.encoding);
  const half = Math.ceil(data.length / 2);
  const fill = (text: string) =>
    text.split(DATA_MARK.whole).join(data).split(DATA_MARK.first).join(data.slice(0, half)).split(DATA_MARK.second).join(data.slice(half));
  const { call, text } = payload.goal;
  if (call) {
    const args = mapStrings(call.args, fill);
    return { toolCalls: [{ ...call, args, rawArgs: JSON.stringify(args) }], text: undefined };
  }
  return { toolCalls: [], text: fill(text ?? '') };
}

/** The data as the goal wants it disguised. */
export function encode(data: string, encoding: DataEncoding): string {
  switch (encoding) {
    case 'raw':
      return data;
    case 'base64':
      return Buffer.from(data, 'utf8').toString('base64');
    case 'base64url':
      return Buffer.from(data, 'utf8').toString('base64url');
    case 'hex':
      return Buffer.from(data, 'utf8').toString('hex');
    case 'url':
      return encodeURIComponent(data);
    case 'reversed':
      return [...data].reverse().join('');
    case 'spaced':
      return [...data].join(' ');
  }
}
