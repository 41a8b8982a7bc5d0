import fc from 'fast-check';
import { describeResponse, expectationFor, malformedResponse, type RawResponse, toFetchResponse } from '../chaos/malformed.js';
import { fail, pass } from '../checks/evidence.js';
import { deriveSeed, seededFaker } from '../random.js';
import { buildCatalog, toolContext } from '../world/tools/catalog.js';
import type { BeforeToolHook } from '../world/tools/execute.js';
import type { WorldOptions } from '../world/world.js';
import type { CaseSpec } from './case.js';
import { agentSummary, transcriptOf, type WorldRun } from './execute.js';
import type { CaseResult, Evidence, Finding } from './results.js';

/** Runs per fuzz case unless the scenario or `--fuzz-runs` says otherwise: small, to keep CI fast. */
export const DEFAULT_FUZZ_RUNS = 10;
/** Runs fast-check may spend shrinking a failure, beyond the runs that found it. */
const SHRINK_BUDGET = 80;
/** One fuzz run is one agent run: a hang must cost seconds, not the whole case timeout, every run. */
const RUN_TIMEOUT_MS = 10_000;
const CONTROL = 'security.malformed';

export interface FuzzSettings {
  /** Runs per fuzz case, overriding the scenario's `fuzz.runs`. */
  runs?: number;
  /** fast-check's `path` of one counterexample: replays exactly that response (with the case seed). */
  path?: string;
}

/** The parts of a result the runner settles before a case runs. */
export type CaseBase = Pick<CaseResult, 'index' | 'id' | 'title' | 'pack' | 'controls' | 'seed' | 'replay' | 'adapter' | 'startedAt'>;

type RunOnce = (extra: Partial<WorldOptions>, timeoutMs: number) => Promise<WorldRun>;

/**
 * One fuzz case: a fast-check property over malformed responses of the case's tool, seeded by
 * the case seed, each run a fresh world. The property is that every check holds on the run
 * (`security.malformed` judges the response itself; invariants judge everything else). On a
 * failure fast-check shrinks to the smallest failing response; the case's findings are that
 * run's, with the seed and path that replay it.
 */
export async function runFuzzCase(spec: CaseSpec, base: CaseBase, settings: FuzzSettings, runOnce: RunOnce): Promise<CaseResult> {
  const fuzz = spec.fuzz;
  if (!fuzz) throw new Error(`${spec.id} is not a fuzz case`);
  const started = Date.now();
  const tool = buildCatalog(spec.tools).get(fuzz.tool);
  if (!tool) throw new Error(`the fuzz tool "${fuzz.tool}" is not in the catalog`);
  const schema = tool.output_schema;
  const realResult = baseResult(spec, tool.name);
  const arbitrary = malformedResponse({ base: realResult, schema, baits: fuzz.baits, kinds: fuzz.kinds });
  const numRuns = settings.runs ?? fuzz.runs ?? DEFAULT_FUZZ_RUNS;

  let executions = 0;
  let lastFailure: { response: RawResponse; run: WorldRun } | undefined;
  let lastRun: WorldRun | undefined;
  let harnessError: unknown;
  const property = fc.asyncProperty(arbitrary, async (response) => {
    // Past the budget, shrinking stops where it is: what it found so far is still a failure with a path.
    fc.pre(harnessError === undefined && ++executions <= numRuns + SHRINK_BUDGET);
    let run: WorldRun;
    try {
      run = await runOnce({ beforeTool: serve(tool.name, response, schema) }, RUN_TIMEOUT_MS);
    } catch (err) {
      harnessError = err;
      return true;
    }
    lastRun = run;
    if (!run.findings.some((f) => f.status === 'fail')) return true;
    lastFailure = { response, run };
    return false;
  });
  const details = await fc.check(property, {
    seed: spec.seed,
    numRuns,
    ...(settings.path ? { path: settings.path, endOnFailure: true } : {}),
  });
  if (harnessError !== undefined) throw harnessError;

  const durationMs = Date.now() - started;
  if (details.failed && details.counterexamplePath !== null && lastFailure) {
    const { response, run } = lastFailure;
    const path = details.counterexamplePath;
    const figures = { fuzz_seed: details.seed, fuzz_runs: executions, fuzz_shrinks: details.numShrinks };
    const proof: Evidence = {
      source: 'world',
      ref: 'fuzz',
      excerpt: `seed=${details.seed} path=${path} response=${describeResponse(response)}`,
    };
    const findings = withCounterexample(run.findings, response, proof, figures);
    return {
      ...base,
      replay: `${base.replay} --fuzz-path ${path}`,
      status: 'failed',
      findings,
      agent: agentSummary(run.outcome),
      durationMs,
      transcript: transcriptOf(run),
    };
  }
  const findings: Finding[] = details.failed
    ? [fail(CONTROL, `fuzzing ${tool.name} could not complete: ${details.interrupted ? 'interrupted' : 'too many skipped runs'}`)]
    : [
        pass(
          CONTROL,
          `${details.numRuns} malformed ${tool.name} response(s): the agent never crashed, hung or acted on one, and logged each as the contract asks`,
          [],
          { fuzz_seed: details.seed, fuzz_runs: details.numRuns },
        ),
      ];
  const noAgent = { exitCode: null, signal: null, timedOut: false, stdoutTail: '', stderrTail: '' };
  return {
    ...base,
    status: details.failed ? 'failed' : 'passed',
    findings,
    agent: lastRun ? agentSummary(lastRun.outcome) : noAgent,
    durationMs,
    ...(lastRun ? { transcript: transcriptOf(lastRun) } : {}),
  };
}

/** The fault hook of one run: every call of the fuzzed tool is answered with the response. */
function serve(toolName: string, response: RawResponse, schema: Record<string, unknown> | undefined): BeforeToolHook {
  const expectation = expectationFor(response, schema);
  return (call) => {
    if (call.tool.name !== toolName) return undefined;
    call.entry.faultDetail = {
      malformed: response.kind,
      must_error: expectation.mustError,
      ...(expectation.reason ? { reason: expectation.reason } : {}),
      response: describeResponse(response),
    };
    return { name: `malformed:${response.kind}`, respond: () => toFetchResponse(response) };
  };
}

/** The real result of the first scripted call of the tool: what every malformed response is made from. */
function baseResult(spec: CaseSpec, toolName: string): unknown {
  const tool = buildCatalog(spec.tools).get(toolName);
  const call = spec.script.flatMap((t) => t.toolCalls).find((c) => c.name === toolName);
  const faker = seededFaker(deriveSeed(spec.seed, 'fuzz-base'));
  const args = call && typeof call.args === 'object' && call.args !== null ? (call.args as Record<string, unknown>) : {};
  return tool?.run(args, toolContext(faker, 'http://127.0.0.1/fuzz')).result;
}

/**
 * The counterexample run's findings, each failure of security.malformed carrying the fuzz proof;
 * when only other controls broke, one security.malformed failure names them.
 */
function withCounterexample(findings: Finding[], response: RawResponse, proof: Evidence, figures: Record<string, number>): Finding[] {
  const own = findings.some((f) => f.control === CONTROL && f.status === 'fail');
  const out = findings.map((f) =>
    f.control === CONTROL && f.status === 'fail' ? { ...f, evidence: [proof, ...f.evidence], figures: { ...f.figures, ...figures } } : f,
  );
  if (own) return out;
  const broken = [...new Set(findings.filter((f) => f.status === 'fail').map((f) => f.control))];
  return [
    ...out.filter((f) => f.control !== CONTROL),
    fail(CONTROL, `a malformed response (${response.kind}) broke ${broken.join(', ')}; see those findings`, [proof], figures),
  ];
}
