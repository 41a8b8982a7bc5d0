import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UsageError } from '../src/errors.js';
import type { CaseResult, Interruption, RunInfo } from '../src/runner/results.js';
import { RESULTS_FORMAT, RESULTS_VERSION, type ResultsDocument } from './json.js';
import type { RecordedRun } from './replay.js';
import { type ControlInfo, summarize } from './summary.js';

// Only the fields merging relies on are checked; the rest passes through as the JSON reporter
// wrote it, so this schema does not become a second copy of the result types.
const resultsFileSchema = z.object({
  format: z.literal(RESULTS_FORMAT),
  version: z.literal(RESULTS_VERSION),
  info: z.looseObject({
    agentId: z.string(),
    seed: z.number(),
    startedAt: z.string(),
    plannedCases: z.number().int().min(0),
    shard: z.object({ index: z.number().int(), total: z.number().int() }).optional(),
  }),
  cases: z.array(
    z.looseObject({
      index: z.number().int().min(0),
      id: z.string(),
      pack: z.string(),
      status: z.enum(['passed', 'failed', 'error', 'skipped']),
      controls: z.array(z.string()),
      findings: z.array(z.looseObject({ control: z.string(), status: z.enum(['pass', 'fail', 'info']) })),
    }),
  ),
  summary: z.looseObject({
    controls: z.array(z.looseObject({ control: z.string(), section: z.string(), title: z.string() })),
    finishedAt: z.string(),
    durationMs: z.number(),
    interrupted: z.looseObject({ signal: z.string(), shard: z.string().optional() }).optional(),
  }),
});

interface ShardFile {
  file: string;
  doc: ResultsDocument;
}

function readResults(file: string): ShardFile {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new UsageError(`${file}: cannot read JSON results: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
  const checked = resultsFileSchema.safeParse(json);
  if (!checked.success) {
    const [issue] = checked.error.issues;
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    throw new UsageError(`${file}: not an ${RESULTS_FORMAT} v${RESULTS_VERSION} file: ${where}${issue?.message ?? 'invalid'}`);
  }
  return { file, doc: json as ResultsDocument };
}

/** Reads and checks one JSON results file; a UsageError names the file when it is not one. */
export function readResultsFile(file: string): ResultsDocument {
  return readResults(file).doc;
}

function checkSameRun(shards: readonly ShardFile[]): void {
  const [first, ...rest] = shards;
  if (!first) return;
  const identity = (s: ShardFile) => `agent "${s.doc.info.agentId}" seed ${s.doc.info.seed}`;
  for (const shard of rest) {
    if (shard.doc.info.agentId !== first.doc.info.agentId || shard.doc.info.seed !== first.doc.info.seed) {
      throw new UsageError(
        `${shard.file} (${identity(shard)}) is not from the same run as ${first.file} (${identity(first)}): shards share agent id and seed`,
      );
    }
  }
}

// Merging a partial set of shards would give a verdict over part of the plan, so every shard
// of the run must be there exactly once.
function checkShardSet(shards: readonly ShardFile[]): void {
  const sharded = shards.flatMap(({ file, doc }) => (doc.info.shard ? [{ file, shard: doc.info.shard }] : []));
  const [first] = sharded;
  if (!first) return;
  const whole = shards.find((s) => !s.doc.info.shard);
  if (whole) throw new UsageError(`${whole.file} is a whole run, not a shard; merge only the shards of one run`);
  const { total } = first.shard;
  const seen = new Map<number, string>();
  for (const { file, shard } of sharded) {
    if (shard.total !== total) throw new UsageError(`${file} is shard ${shard.index}/${shard.total}, but ${first.file} is one of ${total}`);
    const twin = seen.get(shard.index);
    if (twin) throw new UsageError(`shard ${shard.index}/${total} is given twice: ${twin} and ${file}`);
    seen.set(shard.index, file);
  }
  const missing = Array.from({ length: total }, (_, i) => i + 1).filter((index) => !seen.has(index));
  if (missing.length > 0) throw new UsageError(`missing shards: ${missing.map((index) => `${index}/${total}`).join(', ')}`);
}

function orderedCases(shards: readonly ShardFile[]): CaseResult[] {
  const cases = shards.flatMap((s) => s.doc.cases).sort((a, b) => a.index - b.index);
  cases.forEach((result, i) => {
    const previous = cases[i - 1];
    if (previous && previous.index === result.index) {
      throw new UsageError(
        `case #${result.index} is in more than one file (${previous.id}, ${result.id}); was a results file given twice?`,
      );
    }
  });
  return cases;
}

// Every shard lists the controls it knows with their titles; their union is the catalog.
function catalogOf(shards: readonly ShardFile[]): ControlInfo[] {
  const catalog = new Map<string, ControlInfo>();
  for (const { doc } of shards) {
    for (const c of doc.summary.controls) {
      if (!catalog.has(c.control)) catalog.set(c.control, { id: c.control, section: c.section, title: c.title });
    }
  }
  return [...catalog.values()];
}

// One interrupted shard makes the whole run INCOMPLETE: its missing cases are part of the plan.
function interruptionOf(shards: readonly ShardFile[]): Interruption | undefined {
  for (const { doc } of shards) {
    const stopped = doc.summary.interrupted;
    if (!stopped) continue;
    const shard = doc.info.shard ? `${doc.info.shard.index}/${doc.info.shard.total}` : stopped.shard;
    return { signal: stopped.signal, ...(shard ? { shard } : {}) };
  }
  return undefined;
}

const earliest = (times: string[]): string => times.reduce((a, b) => (Date.parse(b) < Date.parse(a) ? b : a));
const latest = (times: string[]): string => times.reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a));

/**
 * Joins the JSON results of the shards of one run (`--shard I/N`) into one run: cases in plan
 * order, totals, per-control summary and verdict recomputed (an interrupted shard makes the merge
 * INCOMPLETE; a skipped case or a control no shard exercised makes it PARTIAL). Throws UsageError when the files are not
 * results files, come from different runs (agent id, seed), or miss or repeat a shard.
 */
export function mergeResults(files: readonly string[]): RecordedRun {
  if (files.length === 0) throw new UsageError('nothing to merge: give the JSON results of each shard');
  const shards = files.map(readResults);
  checkSameRun(shards);
  checkShardSet(shards);
  const cases = orderedCases(shards);

  const infos = shards.map((s) => s.doc.info);
  const startedAt = earliest(infos.map((info) => info.startedAt));
  const finishedAt = latest(shards.map((s) => s.doc.summary.finishedAt));
  // Shards run side by side in CI, so the run took from the first start to the last finish.
  const span = Date.parse(finishedAt) - Date.parse(startedAt);
  const durationMs = Number.isFinite(span) ? Math.max(0, span) : Math.max(...shards.map((s) => s.doc.summary.durationMs));
  const [first] = infos;
  const info: RunInfo = {
    ...(first as RunInfo),
    shard: undefined,
    plannedCases: infos.reduce((sum, i) => sum + i.plannedCases, 0),
    startedAt,
  };
  const interrupted = interruptionOf(shards);
  return {
    info,
    cases,
    summary: summarize(info, cases, catalogOf(shards), { finishedAt, durationMs, ...(interrupted ? { interrupted } : {}) }),
  };
}
