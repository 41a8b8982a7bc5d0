import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_REPORTERS, fanOut, loadReporter } from '../../../reporters/registry.js';
import type { Reporter } from '../../../reporters/types.js';
import { HarnessError, UsageError } from '../../../src/errors.js';
import { drive, sampleCases, useTempDir } from './fixtures.js';

const tempDir = useTempDir();

const CUSTOM_REPORTER = `
export default function customReporter(options) {
  const seen = [];
  return {
    name: 'custom',
    seen,
    options,
    onCaseEnd(result) { seen.push(result.id); },
  };
}
`;

describe('loadReporter', () => {
  it('finds every built-in by name', async () => {
    expect(Object.keys(BUILTIN_REPORTERS)).toEqual(['console', 'json', 'junit', 'readiness']);
    for (const name of Object.keys(BUILTIN_REPORTERS)) {
      const reporter = await loadReporter(name, {
        file: join(tempDir(), `out.${name === 'junit' ? 'xml' : name === 'readiness' ? 'md' : 'json'}`),
      });
      expect(reporter.name).toBe(name);
    }
  });

  it('loads a custom reporter from a module path relative to the working directory', async () => {
    const file = join(tempDir(), 'custom-reporter.mjs');
    writeFileSync(file, CUSTOM_REPORTER);
    const reporter = (await loadReporter(relative(process.cwd(), file), { verbose: true })) as Reporter & {
      seen: string[];
      options: unknown;
    };
    expect(reporter.name).toBe('custom');
    expect(reporter.options).toEqual({ verbose: true });
    await drive(reporter);
    expect(reporter.seen).toEqual(sampleCases().map((c) => c.id));
  });

  it('rejects a bad name, listing the built-ins', async () => {
    await expect(loadReporter('nope', {})).rejects.toThrow(UsageError);
    await expect(loadReporter('nope', {})).rejects.toThrow(/unknown reporter "nope".*console, json, junit, readiness/);
    await expect(loadReporter('toString', {})).rejects.toThrow(UsageError);
  });

  it('rejects a module without a reporter factory as its default export', async () => {
    const file = join(tempDir(), 'not-a-reporter.mjs');
    writeFileSync(file, 'export const name = "x";\n');
    await expect(loadReporter(file, {})).rejects.toThrow(/no default export that is a reporter factory/);
    const broken = join(tempDir(), 'broken.mjs');
    writeFileSync(broken, 'export default (;\n');
    await expect(loadReporter(broken, {})).rejects.toThrow(UsageError);
  });
});

describe('fanOut', () => {
  it('calls each reporter in turn, awaiting each', async () => {
    const calls: string[] = [];
    const slow = (name: string): Reporter => ({
      name,
      async onRunStart() {
        await new Promise((resolve) => setTimeout(resolve, name === 'a' ? 5 : 0));
        calls.push(`${name}:start`);
      },
      onCaseEnd(result) {
        calls.push(`${name}:${result.index}`);
      },
      onRunEnd() {
        calls.push(`${name}:end`);
      },
    });
    await drive(fanOut([slow('a'), { name: 'quiet' }, slow('b')]), sampleCases().slice(0, 2));
    expect(calls).toEqual(['a:start', 'b:start', 'a:0', 'b:0', 'a:1', 'b:1', 'a:end', 'b:end']);
  });

  it('names the reporter that threw', async () => {
    const failing: Reporter = {
      name: 'disk-full',
      onRunStart() {
        throw new Error('ENOSPC');
      },
    };
    const promise = drive(fanOut([failing]));
    await expect(promise).rejects.toThrow(HarnessError);
    await expect(drive(fanOut([failing]))).rejects.toThrow('reporter "disk-full" failed in onRunStart: ENOSPC');
  });
});
