import { resolve } from 'node:path';
import type { Reporter } from '../../reporters/types.js';
import type { PackName } from '../../src/config/common.js';
import type { Manifest } from '../../src/config/manifest.js';
import { loadManifest } from '../../src/config/manifest-file.js';
import type { CaseResult, RunSummary } from '../../src/runner/results.js';
import { runSuite, type SuiteOptions } from '../../src/runner/run.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const REFERENCE_CONFIG = resolve(ROOT, 'examples/reference-agent/agent-chaos.config.yaml');
export const NAIVE_CONFIG = resolve(ROOT, 'examples/naive-agent/agent-chaos.config.yaml');
export const FIXTURE_AGENTS = resolve(ROOT, 'test/fixtures/agents');

export interface RunCasesOptions {
  /** Manifest file (default: the reference agent's). */
  config?: string;
  /** Run this module in-process instead of the manifest's agent (path, absolute or relative to the repo root). */
  module?: string;
  /** Run this command as a process instead (in the repo root). */
  command?: string;
  /** Change the loaded manifest (e.g. a tighter budget) before planning. */
  manifest?: (m: Manifest) => Manifest;
  packs?: PackName[];
  /** Case ids or prefixes. */
  only?: string[];
  scenarioRoots?: string[];
  seed?: number;
  timeoutMs?: number;
  concurrency?: number;
  /** Fuzz cases: runs per case (`--fuzz-runs`), or a counterexample path to replay (`--fuzz-path`). */
  fuzzRuns?: number;
  fuzzPath?: string;
  /** World options on top of each scenario's (a fault hook, a human) for cases the YAML cannot express yet. */
  worldOptions?: SuiteOptions['worldOptions'];
}

/**
 * Runs cases programmatically and returns every result (transcripts included): the way tests
 * prove a check both ways, against the reference agent and a broken fixture.
 */
export async function runCases(options: RunCasesOptions = {}): Promise<{ summary: RunSummary; cases: CaseResult[] }> {
  const loaded = loadManifest(options.config ?? REFERENCE_CONFIG);
  let manifest = loaded.manifest;
  if (options.module) manifest = { ...manifest, agent: { ...manifest.agent, module: resolve(ROOT, options.module) } };
  if (options.manifest) manifest = options.manifest(manifest);
  const cases: CaseResult[] = [];
  const collect: Reporter = { name: 'collect', onCaseEnd: (r) => void cases.push(r) };
  const summary = await runSuite({
    config: { ...loaded, manifest },
    cwd: ROOT,
    adapter: options.command ? 'process' : options.module ? 'module' : undefined,
    agentCommand: options.command,
    packs: options.packs,
    only: options.only,
    scenarioRoots: options.scenarioRoots,
    seed: options.seed,
    caseTimeoutMs: options.timeoutMs ?? 30_000,
    concurrency: options.concurrency ?? 2,
    ...(options.fuzzRuns !== undefined || options.fuzzPath !== undefined
      ? {
          fuzz: {
            ...(options.fuzzRuns !== undefined ? { runs: options.fuzzRuns } : {}),
            ...(options.fuzzPath ? { path: options.fuzzPath } : {}),
          },
        }
      : {}),
    worldOptions: options.worldOptions,
    reporter: collect,
  });
  return { summary, cases };
}

/** The failing findings of a set of results, as `control` strings, for compact assertions. */
export function failedControls(cases: readonly CaseResult[]): string[] {
  return [...new Set(cases.flatMap((c) => c.findings.filter((f) => f.status === 'fail').map((f) => f.control)))].sort();
}

/**
 * Every failing finding as `case: control: message`, so an assertion that none failed shows what
 * did when it does (a flaky run is then diagnosable from the CI log alone).
 */
export function failureLines(cases: readonly CaseResult[]): string[] {
  return cases.flatMap((c) => c.findings.filter((f) => f.status === 'fail').map((f) => `${c.id}: ${f.control}: ${f.message}`));
}
