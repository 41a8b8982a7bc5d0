import { resolve } from 'node:path';
import { mergeResults } from '../../reporters/merge.js';
import { loadReporter } from '../../reporters/registry.js';
import { replayIntoReporters } from '../../reporters/replay.js';
import { type CliIo, EXIT } from './main.js';

/** `report merge`: shards' JSON results joined into one JUnit file, one JSON and one readiness report. */
export async function reportMergeCommand(
  files: string[],
  flags: { junit: string; json: string; report: string },
  io: CliIo,
): Promise<number> {
  const merged = mergeResults(files.map((f) => resolve(io.cwd, f)));
  const reporters = [
    await loadReporter('junit', { file: resolve(io.cwd, flags.junit) }),
    await loadReporter('json', { file: resolve(io.cwd, flags.json) }),
    await loadReporter('readiness', { file: resolve(io.cwd, flags.report) }),
  ];
  await replayIntoReporters(merged, reporters);
  io.stdout.write(`merged ${files.length} file(s), ${merged.cases.length} case(s): ${merged.summary.ok ? 'READY' : 'NOT READY'}\n`);
  return merged.summary.ok ? EXIT.ok : EXIT.failed;
}
