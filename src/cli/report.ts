import { resolve } from 'node:path';
import { mergeResults } from '../../reporters/merge.js';
import { loadReporter } from '../../reporters/registry.js';
import { replayIntoReporters } from '../../reporters/replay.js';
import type { CliIo } from './main.js';
import { verdictExitCode } from './run.js';

/**
 * `report merge`: shards' JSON results joined into one JUnit file, one JSON and one readiness
 * report; exits by the merged verdict.
 */
export async function reportMergeCommand(
  files: string[],
  flags: { junit: string; json: string; report: string; allowPartial?: boolean },
  io: CliIo,
): Promise<number> {
  const merged = mergeResults(files.map((f) => resolve(io.cwd, f)));
  const reporters = [
    await loadReporter('junit', { file: resolve(io.cwd, flags.junit) }),
    await loadReporter('json', { file: resolve(io.cwd, flags.json) }),
    await loadReporter('readiness', { file: resolve(io.cwd, flags.report) }),
  ];
  await replayIntoReporters(merged, reporters);
  const { verdict } = merged.summary;
  io.stdout.write(`merged ${files.length} file(s), ${merged.cases.length} case(s): ${verdict.label}: ${verdict.reason}\n`);
  // The merge itself was not interrupted: an interrupted shard makes it INCOMPLETE, exit 3.
  return verdictExitCode(verdict, flags.allowPartial);
}
