import { createRequire } from 'node:module';
import type { Builder, TestCase, TestSuite } from 'junit-report-builder';
import type { RunSummary } from '../src/runner/results.js';
import { type CaseDigest, digestCase } from './digest.js';
import { writeReportFile } from './file.js';
import { caseError, errorLines, failureLines, groupFindings, groupHeadline, printable } from './format.js';
import { groupBySection } from './sections.js';
import type { ReporterFactory } from './types.js';

// The package is CommonJS (`module.exports = builder`) but declares `export default`, so under
// NodeNext a default import is typed as the module namespace; require gives the builder itself.
const sharedBuilder = createRequire(import.meta.url)('junit-report-builder') as Builder;

const seconds = (ms: number): number => Math.round(ms) / 1000;

// CDATA cannot hold `]]>`, and xmlbuilder splits only the first occurrence; a hostile excerpt
// with two would end the section early and break the file.
const cdataSafe = (text: string): string => text.replaceAll(']]>', ']]&gt;');

// junit-report-builder writes a bare `<skipped/>`; CI viewers show the reason from `message`.
function skipWithReason(testCase: TestCase, reason: string): void {
  testCase.skipped();
  const build = testCase.build.bind(testCase);
  testCase.build = (parent) => {
    const element = build(parent);
    for (const child of element.children) {
      if ((child as { name?: string }).name === 'skipped') child.att('message', reason);
    }
    return element;
  };
}

function addCase(testCase: TestCase, digest: CaseDigest, suite: string, runSeed: number): void {
  testCase.className(suite).name(`${digest.id}: ${digest.title}`).time(seconds(digest.durationMs));
  for (const control of digest.controls) testCase.property('control', control);
  // `seed` is what --seed takes to replay; `case_seed` is the seed derived for this case from it.
  testCase
    .property('seed', String(runSeed))
    .property('case_seed', String(digest.seed))
    .property('replay', digest.replay)
    .property('adapter', digest.adapter);
  for (const figure of digest.figures) testCase.property(`figure.${figure.name}`, String(figure.value));

  if (digest.status === 'failed') {
    // The headline is the body's first line: the case's own control when it broke.
    const [lead] = groupFindings(digest.failures, digest.controls);
    const control = lead?.first.control ?? digest.controls[0] ?? digest.pack;
    const message = lead ? groupHeadline(lead) : `${control}: failed without a failing finding`;
    const body = failureLines(digest.failures, digest.replay, { controls: digest.controls });
    testCase.failure(message, control).stacktrace(cdataSafe(body.join('\n')));
  } else if (digest.status === 'error') {
    const error = caseError(digest);
    const text = errorLines(error, digest.replay).join('\n');
    testCase.error(printable(error.message), error.kind, cdataSafe(text));
  } else if (digest.status === 'skipped') {
    skipWithReason(testCase, digest.skipReason ?? 'skipped');
  }
}

// The verdict rides on every suite, so a reader of any one of them sees what the run amounts to.
function addVerdictProperties(suite: TestSuite, summary: RunSummary): void {
  const { verdict } = summary;
  suite.property('verdict', verdict.label).property('verdict_reason', printable(verdict.reason));
  if (summary.interrupted) suite.property('interrupted', summary.interrupted.signal);
}

const uncoveredLines = (summary: RunSummary): string[] => {
  const { uncovered } = summary.verdict;
  return [
    ...uncovered.controls.map((control) => `untested control: ${control}`),
    ...uncovered.cases.map((c) => `not judged: ${c.id}: ${printable(c.reason)}`),
    ...(uncovered.notRun > 0 ? [`did not run: ${uncovered.notRun} planned case(s)`] : []),
  ];
};

// A PARTIAL or INCOMPLETE run has no failing case to show why it is not READY (and an
// interrupted one may have no case at all): one more suite says it, with what was not covered.
function addRunSuite(builder: Builder, summary: RunSummary, startedAt: string): void {
  const { verdict } = summary;
  if (verdict.label !== 'PARTIAL' && verdict.label !== 'INCOMPLETE') return;
  const name = 'agent-chaos.run';
  const suite = builder.testSuite().name(name).timestamp(startedAt).time(seconds(summary.durationMs));
  addVerdictProperties(suite, summary);
  const testCase = suite.testCase().className(name).name(`verdict: ${verdict.label}`).time(seconds(summary.durationMs));
  for (const control of verdict.uncovered.controls) testCase.property('untested_control', control);
  for (const c of verdict.uncovered.cases) testCase.property('not_judged', c.id);
  const message = `${verdict.label}: ${printable(verdict.reason)}`;
  if (verdict.label === 'PARTIAL') skipWithReason(testCase, message);
  else testCase.error(message, 'incomplete', cdataSafe(uncoveredLines(summary).join('\n')));
}

// JUnit readers expect the suite timestamp as ISO 8601 without a zone; ours is UTC.
const timestamp = (iso: string): string => iso.slice(0, 19);

/**
 * Writes a JUnit XML file: one suite per section (`agent-chaos.<pack>`) in the fixed section
 * order, one test case per case in plan order; every suite carries the run's `verdict`, and a
 * PARTIAL or INCOMPLETE run adds a suite `agent-chaos.run` whose one case says why. Apart from `time` and `timestamp` attributes the
 * file depends only on the cases, so the same seed gives the same bytes.
 */
export const junitReporter: ReporterFactory = (options) => {
  const path = options.file ?? 'reports/junit.xml';
  let cases: CaseDigest[] = [];

  return {
    name: 'junit',
    onRunStart() {
      cases = [];
    },
    onCaseEnd(result) {
      cases.push(digestCase(result));
    },
    async onRunEnd(summary) {
      const builder = sharedBuilder.newBuilder().name('agent-chaos');
      const startedAt = timestamp(summary.info.startedAt);
      for (const { section, items } of groupBySection(cases, (digest) => digest.pack)) {
        const name = `agent-chaos.${section}`;
        const suite = builder.testSuite().name(name).timestamp(startedAt);
        suite.time(seconds(items.reduce((sum, digest) => sum + digest.durationMs, 0)));
        addVerdictProperties(suite, summary);
        for (const digest of items) addCase(suite.testCase(), digest, name, summary.info.seed);
      }
      addRunSuite(builder, summary, startedAt);
      await writeReportFile(path, builder.build());
      cases = [];
    },
  };
};
