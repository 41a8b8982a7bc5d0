import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { readResultsFile } from '../../reporters/merge.js';
import { UsageError } from '../errors.js';
import type { CaseResult } from '../runner/results.js';
import type { CliIo } from './main.js';
import { EXIT } from './main.js';
import { renderTimeline } from './timeline.js';

/** Flags of `agent-chaos replay`; each mode reads the ones it needs. */
export interface ReplayFlags {
  /** The case to show; default: the first failed or errored case, else the first. */
  case?: string;
}

/**
 * `replay <results.json> [--case ID]`: one case's chain as a timeline, from the transcript the
 * JSON report keeps for every case (trigger, ledger, audit). Exit 0 once printed; 2 for a file
 * that is missing or not a results file, or a case that is not in it or has no transcript.
 */
export async function replayCommand(file: string | undefined, flags: ReplayFlags, io: CliIo): Promise<number> {
  if (!file)
    throw new UsageError(
      'replay needs the JSON results of a run (agent-chaos run --json FILE), e.g. agent-chaos replay reports/results.json',
    );
  const path = resolve(io.cwd, file);
  if (!existsSync(path)) throw new UsageError(`${file}: no such file (write one with agent-chaos run --json ${file})`);
  const doc = readResultsFile(path);
  const chosen = pickCase(doc.cases, flags.case, file);
  if (!chosen.transcript) {
    const why =
      chosen.status === 'skipped' ? `it was skipped: ${chosen.skipReason ?? 'no reason given'}` : `its status is ${chosen.status}`;
    throw new UsageError(`case ${chosen.id} in ${file} has no transcript to replay (${why})`);
  }
  if (!flags.case && doc.cases.length > 1) {
    io.stdout.write(`(${doc.cases.length} cases in ${file}; showing ${chosen.id} — pick another with --case ID)\n\n`);
  }
  io.stdout.write(renderTimeline(chosen));
  return EXIT.ok;
}

function pickCase(cases: readonly CaseResult[], id: string | undefined, file: string): CaseResult {
  if (cases.length === 0) throw new UsageError(`${file} has no cases`);
  if (id === undefined) return cases.find((c) => c.status === 'failed' || c.status === 'error') ?? (cases[0] as CaseResult);
  const found = cases.find((c) => c.id === id);
  if (found) return found;
  const near = cases.filter((c) => c.id.includes(id)).slice(0, 5);
  const list = (near.length > 0 ? near : cases.slice(0, 5)).map((c) => c.id).join(', ');
  throw new UsageError(`no case "${id}" in ${file} (${cases.length} cases; e.g. ${list})`);
}
