import type { ControlSummary, InjectionTally, RunSummary } from '../src/runner/results.js';
import type { CaseDigest } from './digest.js';
import type { Block, Doc, Text } from './document.js';
import { CONTROL_MARK, caseError, errorLines, failureLines, formatDuration, injectionSentence, plural, STATUS_MARK } from './format.js';
import { compareSections } from './sections.js';
import { type ControlState, controlState, injectionTotals } from './summary.js';
import { verdictOf } from './verdict.js';

const stateLabel = (state: ControlState): string => `${CONTROL_MARK[state]} ${state}`;

const caseHeading = (digest: CaseDigest): Block => ({
  kind: 'heading',
  level: 3,
  text: [{ code: digest.id }, ` — ${digest.title}`],
});

function runTable(summary: RunSummary): Block {
  const { info, totals } = summary;
  const rows: Text[][] = [
    ['Agent', { code: info.agentId }],
    ['Seed', { code: String(info.seed) }],
    ['Tool', `${info.tool.name} ${info.tool.version}`],
    ['Adapter', info.adapter],
    ['Packs', info.packs.join(', ')],
    [
      'Cases',
      `${totals.cases}: ${totals.passed} passed, ${totals.failed} failed, ${plural(totals.errors, 'error')}, ${totals.skipped} skipped`,
    ],
    ['Started', info.startedAt],
    ['Duration', formatDuration(summary.durationMs)],
  ];
  if (info.configFile) rows.splice(2, 0, ['Config', { code: info.configFile }]);
  if (info.shard) rows.push(['Shard', `${info.shard.index}/${info.shard.total}`]);
  if (summary.interrupted) {
    const where = summary.interrupted.shard ? ` (shard ${summary.interrupted.shard})` : '';
    rows.push(['Interrupted', `by ${summary.interrupted.signal}${where}`]);
  }
  return { kind: 'table', head: ['Run', ''], rows };
}

function sectionTable(summary: RunSummary, cases: readonly CaseDigest[]): Block {
  const sections = [...new Set([...summary.controls.map((c) => c.section), ...cases.map((c) => c.pack)])].sort(compareSections);
  const rows = sections.map((section) => {
    const inSection = cases.filter((digest) => digest.pack === section);
    const count = (status: CaseDigest['status']) => String(inSection.filter((digest) => digest.status === status).length);
    const states = summary.controls.filter((c) => c.section === section).map(controlState);
    const controls = (state: ControlState) => String(states.filter((s) => s === state).length);
    return [
      section,
      String(inSection.length),
      count('passed'),
      count('failed'),
      count('error'),
      count('skipped'),
      controls('held'),
      controls('broke'),
      controls('untested'),
    ];
  });
  const head = ['Section', 'Cases', 'Passed', 'Failed', 'Errors', 'Skipped', 'Controls held', 'Controls broke', 'Untested'];
  return { kind: 'table', head, rows };
}

function controlTable(controls: readonly ControlSummary[]): Block {
  const rows = controls.map((c): Text[] => [
    c.section,
    { code: c.control },
    c.title,
    stateLabel(controlState(c)),
    String(c.passed),
    String(c.failed),
  ]);
  return { kind: 'table', head: ['Section', 'Control', 'Title', 'Status', 'Held', 'Broke'], rows };
}

// The credit an agent earns for filtering, quoting or spotlighting untrusted text; the verdict
// (security.injection) is on harm alone, so this section informs and never fails a run.
function injectionBlocks(tallies: readonly InjectionTally[] | undefined): Block[] {
  if (!tallies || tallies.length === 0) return [];
  const total = injectionTotals(tallies);
  const row = (t: InjectionTally, label: Text): Text[] => [
    label,
    String(t.delivered),
    String(t.keptOut),
    String(t.encoded),
    String(t.transformed),
    String(t.verbatim),
    String(t.obeyed),
    String(t.harmed),
  ];
  return [
    { kind: 'heading', level: 2, text: 'Injections' },
    { kind: 'paragraph', text: injectionSentence(total) },
    {
      kind: 'table',
      head: ['Technique', 'Delivered', 'Kept out', 'Only encoded', 'Altered', 'Word for word', 'Model obeyed', 'Harm'],
      rows: [...tallies.map((t) => row(t, t.technique)), row(total, { strong: 'all' })],
    },
  ];
}

const none: Block = { kind: 'paragraph', text: 'None.' };

// What keeps a run that broke nothing from READY: listed in full, since the verdict's sentence
// names only the first few.
function notCoveredBlocks(summary: RunSummary): Block[] {
  const { uncovered } = summary.verdict;
  if (uncovered.controls.length === 0 && uncovered.cases.length === 0 && uncovered.notRun === 0) return [];
  const blocks: Block[] = [{ kind: 'heading', level: 2, text: 'Not covered' }];
  if (uncovered.controls.length > 0) {
    const titles = new Map(summary.controls.map((c) => [c.control, c]));
    blocks.push({
      kind: 'table',
      head: ['Untested control', 'Section', 'Title'],
      rows: uncovered.controls.map((id): Text[] => [{ code: id }, titles.get(id)?.section ?? '', titles.get(id)?.title ?? '']),
    });
  }
  if (uncovered.cases.length > 0) {
    blocks.push({
      kind: 'table',
      head: ['Case not judged', 'Why'],
      rows: uncovered.cases.map((c): Text[] => [{ code: c.id }, c.reason]),
    });
  }
  if (uncovered.notRun > 0) blocks.push({ kind: 'paragraph', text: `${plural(uncovered.notRun, 'planned case')} did not run.` });
  return blocks;
}

function caseDetails(cases: readonly CaseDigest[], lines: (digest: CaseDigest) => string[]): Block[] {
  if (cases.length === 0) return [none];
  return cases.flatMap((digest): Block[] => [caseHeading(digest), { kind: 'pre', text: lines(digest).join('\n') }]);
}

function skippedTable(cases: readonly CaseDigest[]): Block {
  if (cases.length === 0) return none;
  const rows = cases.map((digest): Text[] => [{ code: digest.id }, digest.pack, digest.skipReason ?? 'no reason given']);
  return { kind: 'table', head: ['Case', 'Section', 'Reason'], rows };
}

function figureTable(cases: readonly CaseDigest[]): Block {
  const rows = cases.flatMap((digest) =>
    digest.figures.map((figure): Text[] => [{ code: digest.id }, { code: figure.control }, { code: figure.name }, String(figure.value)]),
  );
  if (rows.length === 0) return none;
  return { kind: 'table', head: ['Case', 'Control', 'Figure', 'Value'], rows };
}

/**
 * The readiness report of a run, as a document: the verdict first, then the tables a reviewer
 * scans, then every failure and error with its evidence and replay command.
 */
export function readinessDocument(summary: RunSummary, cases: readonly CaseDigest[]): Doc {
  const verdict = verdictOf(summary);
  const withStatus = (status: CaseDigest['status']) => cases.filter((digest) => digest.status === status);
  const failed = withStatus('failed');
  const errored = withStatus('error');
  return {
    title: `Readiness: ${summary.info.agentId}`,
    blocks: [
      { kind: 'heading', level: 1, text: `Readiness: ${summary.info.agentId}` },
      { kind: 'paragraph', text: [{ strong: verdict.label }, ` — ${verdict.reason}`], tone: verdict.ok ? 'good' : 'bad' },
      runTable(summary),
      ...notCoveredBlocks(summary),
      { kind: 'heading', level: 2, text: 'Sections' },
      sectionTable(summary, cases),
      { kind: 'heading', level: 2, text: 'Controls' },
      controlTable(summary.controls),
      ...injectionBlocks(summary.injections),
      { kind: 'heading', level: 2, text: `${STATUS_MARK.failed} Failures (${failed.length})` },
      ...caseDetails(failed, (digest) => failureLines(digest.failures, digest.replay, { controls: digest.controls })),
      { kind: 'heading', level: 2, text: `${STATUS_MARK.error} Errors (${errored.length})` },
      ...caseDetails(errored, (digest) => errorLines(caseError(digest), digest.replay)),
      { kind: 'heading', level: 2, text: `Skipped (${withStatus('skipped').length})` },
      skippedTable(withStatus('skipped')),
      { kind: 'heading', level: 2, text: 'Figures' },
      figureTable(cases),
    ],
  };
}
