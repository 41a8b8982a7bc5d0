import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonReporter } from '../../../reporters/json.js';
import { drive, runInfo, sampleCases, sampleSummary, useTempDir } from './fixtures.js';

const tempDir = useTempDir();

async function jsonText(cases = sampleCases(), name = 'results.json'): Promise<string> {
  const file = join(tempDir(), 'deep', 'dir', name);
  await drive(jsonReporter({ file }), cases);
  return readFileSync(file, 'utf8');
}

describe('json reporter', () => {
  it('writes one valid document with info, every case (with transcript) and the summary', async () => {
    const doc = JSON.parse(await jsonText());
    expect(doc.format).toBe('agent-chaos/results');
    expect(doc.version).toBe(1);
    expect(doc.info).toEqual(JSON.parse(JSON.stringify(runInfo())));
    expect(doc.cases.map((c: { index: number }) => c.index)).toEqual([0, 1, 2, 3, 4]);
    expect(doc.cases[0].transcript.ledger).toEqual([{ seq: 1, tool: 'read_ticket' }]);
    expect(doc.summary).toEqual(JSON.parse(JSON.stringify(sampleSummary())));
  });

  it('streams exactly the bytes of the whole document stringified with a 2-space indent', async () => {
    const cases = sampleCases();
    const expected = {
      format: 'agent-chaos/results',
      version: 1,
      info: runInfo(),
      cases,
      summary: sampleSummary(cases),
    };
    expect(await jsonText(cases)).toBe(`${JSON.stringify(expected, null, 2)}\n`);
  });

  it('writes an empty case list for a run without cases', async () => {
    const text = await jsonText([]);
    expect(text).toContain('"cases": [],');
    expect(JSON.parse(text).cases).toEqual([]);
  });

  it('is deterministic: the same input gives the same bytes', async () => {
    expect(await jsonText(sampleCases(), 'a.json')).toBe(await jsonText(sampleCases(), 'b.json'));
  });

  it('serializes Maps, Sets and bigints in transcripts instead of losing or throwing on them', async () => {
    const cases = sampleCases();
    const first = cases[0];
    if (!first?.transcript) throw new Error('fixture');
    first.transcript.ledger = [{ headers: new Map([['x-run', 'r1']]), tags: new Set(['a']), bytes: 12n }];
    const doc = JSON.parse(await jsonText(cases));
    expect(doc.cases[0].transcript.ledger).toEqual([{ headers: { 'x-run': 'r1' }, tags: ['a'], bytes: '12' }]);
  });
});
