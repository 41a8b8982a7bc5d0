import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonReporter } from '../../../reporters/json.js';
import { junitReporter } from '../../../reporters/junit.js';
import { mergeResults } from '../../../reporters/merge.js';
import { readinessReporter } from '../../../reporters/readiness.js';
import { replayIntoReporters } from '../../../reporters/replay.js';
import { UsageError } from '../../../src/errors.js';
import type { CaseResult, RunInfo } from '../../../src/runner/results.js';
import { drive, runInfo, sampleCases, sampleSummary, useTempDir } from './fixtures.js';

const tempDir = useTempDir();

/** Writes the JSON results of shard `index` of `total`: every total-th case of the plan. */
async function writeShard(index: number, total: number, overrides: Partial<RunInfo> = {}): Promise<string> {
  const cases = sampleCases().filter((c) => c.index % total === index - 1);
  const info = runInfo({ shard: { index, total }, plannedCases: cases.length, startedAt: `2025-01-02T03:0${index}:00.000Z`, ...overrides });
  const file = join(tempDir(), `shard-${index}-of-${total}${overrides.seed ?? ''}.json`);
  await drive(jsonReporter({ file }), cases, info);
  return file;
}

const stripTimes = (xml: string): string => xml.replace(/ (time|timestamp)="[^"]*"/g, '');

describe('mergeResults', () => {
  it('orders the cases of all shards by plan index and recomputes the summary', async () => {
    const files = [await writeShard(2, 2), await writeShard(1, 2)];
    const merged = mergeResults(files);
    expect(merged.cases.map((c: CaseResult) => c.index)).toEqual([0, 1, 2, 3, 4]);
    expect(merged.info.shard).toBeUndefined();
    expect(merged.info.plannedCases).toBe(5);
    expect(merged.info.startedAt).toBe('2025-01-02T03:01:00.000Z');
    const whole = sampleSummary();
    expect(merged.summary.totals).toEqual(whole.totals);
    expect(merged.summary.controls).toEqual(whole.controls);
    expect(merged.summary.ok).toBe(false);
  });

  it('refuses shards of different runs', async () => {
    const files = [await writeShard(1, 2), await writeShard(2, 2, { seed: 7 })];
    expect(() => mergeResults(files)).toThrow(UsageError);
    expect(() => mergeResults(files)).toThrow(/agent "support-bot" seed 7\) is not from the same run as .*seed 42/);
  });

  it('refuses a missing or repeated shard', async () => {
    const first = await writeShard(1, 3);
    const second = await writeShard(2, 3);
    expect(() => mergeResults([first, second])).toThrow(/missing shards: 3\/3/);
    expect(() => mergeResults([first, first, second])).toThrow(/shard 1\/3 is given twice/);
  });

  it('refuses files that are not JSON results, naming the file', () => {
    const file = join(tempDir(), 'other.json');
    writeFileSync(file, JSON.stringify({ format: 'something-else' }));
    expect(() => mergeResults([file])).toThrow(new RegExp(`${file}: not an agent-chaos/results v1 file`));
    expect(() => mergeResults([join(tempDir(), 'absent.json')])).toThrow(UsageError);
    expect(() => mergeResults([])).toThrow(UsageError);
  });

  it('feeds a merged run into the JUnit and readiness reporters as if it were one run', async () => {
    const merged = mergeResults([await writeShard(1, 2), await writeShard(2, 2)]);
    const mergedXml = join(tempDir(), 'merged.xml');
    const mergedMd = join(tempDir(), 'merged.md');
    await replayIntoReporters(merged, [junitReporter({ file: mergedXml }), readinessReporter({ file: mergedMd })]);

    const wholeXml = join(tempDir(), 'whole.xml');
    await drive(junitReporter({ file: wholeXml }));
    expect(stripTimes(readFileSync(mergedXml, 'utf8'))).toBe(stripTimes(readFileSync(wholeXml, 'utf8')));
    expect(readFileSync(mergedMd, 'utf8')).toContain('**NOT READY**');
  });
});
