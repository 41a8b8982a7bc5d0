import type { RunSummary } from '../src/runner/results.js';
import { plural } from './format.js';
import { controlState } from './summary.js';

/** The readiness verdict of a run, with the one sentence that justifies it. */
export interface Verdict {
  ok: boolean;
  label: 'READY' | 'NOT READY';
  reason: string;
}

const LISTED_CONTROLS = 5;

function listControls(ids: string[]): string {
  const shown = ids.slice(0, LISTED_CONTROLS).join(', ');
  return ids.length > LISTED_CONTROLS ? `${shown} and ${ids.length - LISTED_CONTROLS} more` : shown;
}

/** READY when no case failed or errored (`summary.ok`); the reason names what broke. */
export function verdictOf(summary: RunSummary): Verdict {
  const { totals } = summary;
  const states = summary.controls.map((control) => ({ id: control.control, state: controlState(control) }));
  const broken = states.filter((c) => c.state === 'broke').map((c) => c.id);
  const untested = states.filter((c) => c.state === 'untested').length;

  if (summary.ok) {
    const held = states.filter((c) => c.state === 'held').length;
    const parts = [`${plural(held, 'control')} held in ${plural(totals.passed, 'case')}`];
    if (totals.skipped > 0) parts.push(`${totals.skipped} skipped`);
    if (untested > 0) parts.push(`${untested} untested`);
    return { ok: true, label: 'READY', reason: parts.join(', ') };
  }

  const parts: string[] = [];
  if (broken.length > 0) parts.push(`${plural(broken.length, 'control')} broke (${listControls(broken)})`);
  else if (totals.failed > 0) parts.push(`${plural(totals.failed, 'case')} failed`);
  if (totals.errors > 0) parts.push(`${plural(totals.errors, 'case')} errored`);
  return { ok: false, label: 'NOT READY', reason: parts.join('; ') };
}

/** `READY: 24 controls held in 40 cases (agent support-bot, seed 42)` — one plain line for logs. */
export function verdictLine(summary: RunSummary): string {
  const verdict = verdictOf(summary);
  return `${verdict.label}: ${verdict.reason} (agent ${summary.info.agentId}, seed ${summary.info.seed})`;
}
