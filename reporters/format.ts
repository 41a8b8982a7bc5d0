import type { CaseError, CaseStatus, Evidence, Finding, InjectionTally } from '../src/runner/results.js';
import type { ControlState } from './summary.js';

/** The one-character mark of a case status in text output. */
export const STATUS_MARK: Record<CaseStatus, string> = { passed: '✓', failed: '✗', error: '!', skipped: '-' };

/** The one-character mark of a control's state in text output. */
export const CONTROL_MARK: Record<ControlState, string> = { held: '✓', broke: '✗', untested: '–' };

/** `12ms`, `3.2s`, `2m 05s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`;
}

/** `1 case`, `2 cases`. */
export function plural(count: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : pluralNoun}`;
}

// Evidence quotes what a hostile agent or tool produced: terminal escapes or bidi overrides in
// it could rewrite the console or hide text in a report, so they are shown as escapes instead.
const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Makes untrusted text safe to print: keeps newlines and tabs, escapes other control characters. */
export function printable(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(UNPRINTABLE, (char) => {
    const code = char.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** `<control>: <message>`, the one-line form of a finding. */
export function findingHeadline(finding: Finding): string {
  return `${finding.control}: ${printable(finding.message)}`;
}

function evidenceLines(evidence: Evidence): string[] {
  const [first = '', ...rest] = printable(evidence.excerpt).split('\n');
  return [`  ${evidence.source} ${evidence.ref}: ${first}`, ...rest.map((line) => `    ${line}`)];
}

/** A finding as text: its headline, then its evidence (at most `maxEvidence` items). */
export function findingLines(finding: Finding, maxEvidence = Number.POSITIVE_INFINITY): string[] {
  const shown = finding.evidence.slice(0, maxEvidence);
  const hidden = finding.evidence.length - shown.length;
  return [
    findingHeadline(finding),
    ...shown.flatMap(evidenceLines),
    ...(hidden > 0 ? [`  … ${plural(hidden, 'more evidence item')}`] : []),
  ];
}

/** The error of an errored case; a placeholder if the runner recorded none. */
export function caseError(result: { error?: CaseError }): CaseError {
  return result.error ?? { kind: 'harness', message: 'errored without an error record' };
}

const replayLine = (replay: string): string => `replay: ${replay}`;

/**
 * Findings in the order a reader should meet them: those of the case's own controls first (in
 * the order the case lists them), then the rest (the invariants every case checks), each part
 * in its given order. A case about a loop must not lead with a side complaint.
 */
export function rankFindings<T extends { control: string }>(findings: readonly T[], ownControls: readonly string[] = []): T[] {
  const rank = (finding: T): number => {
    const at = ownControls.indexOf(finding.control);
    return at === -1 ? ownControls.length : at;
  };
  return findings
    .map((finding, at) => ({ finding, at, rank: rank(finding) }))
    .sort((a, b) => a.rank - b.rank || a.at - b.at)
    .map(({ finding }) => finding);
}

/** Findings of one control that say the same thing about different calls: shown as one. */
export interface FindingGroup {
  /** The first of them, whose message and evidence stand for all. */
  first: Finding;
  /** The others, in their order. */
  repeats: Finding[];
}

// Ids, call ids, ledger numbers and counts differ between repeats of one complaint; the words
// around them do not. Long alphanumeric runs with a digit are ids (call_9f3a…, run UUIDs).
const ID_RUN = /(?<![A-Za-z0-9])(?=[A-Za-z0-9]*[0-9])[A-Za-z0-9]{12,}(?![A-Za-z0-9])/g;

/** What makes two messages of one control "the same complaint": the text with ids and numbers blanked. */
export function messageShape(message: string): string {
  return message.replace(ID_RUN, '<id>').replace(/[0-9]+/g, '#');
}

/**
 * Groups findings of one control with the same message shape, ranked as `rankFindings` orders
 * them (a group stands where its first finding does). Reports list groups; JSON keeps every finding.
 */
export function groupFindings(findings: readonly Finding[], ownControls: readonly string[] = []): FindingGroup[] {
  const groups = new Map<string, FindingGroup>();
  for (const finding of rankFindings(findings, ownControls)) {
    const key = `${finding.control}\u0000${messageShape(finding.message)}`;
    const group = groups.get(key);
    if (group) group.repeats.push(finding);
    else groups.set(key, { first: finding, repeats: [] });
  }
  return [...groups.values()];
}

/** `<control> ×N: <first message>`, the one-line form of a group (no count for a single finding). */
export function groupHeadline(group: FindingGroup): string {
  const count = group.repeats.length + 1;
  const { control, message } = group.first;
  return count === 1 ? findingHeadline(group.first) : `${control} ×${count}: ${printable(message)}`;
}

const REPEAT_REFS_SHOWN = 5;

// Where the repeats are, by their first evidence, so each can still be looked up.
function repeatLine(repeats: readonly Finding[]): string[] {
  if (repeats.length === 0) return [];
  const refs = repeats.map((finding) => finding.evidence[0]?.ref).filter((ref): ref is string => ref !== undefined);
  const shown = refs.slice(0, REPEAT_REFS_SHOWN).map(printable);
  const more = refs.length - shown.length;
  const where = shown.length === 0 ? '' : `: ${shown.join(', ')}${more > 0 ? `, and ${more} more` : ''}`;
  return [`  … ${repeats.length} more like it${where}`];
}

/** A group as text: its headline, the first finding's evidence (at most `maxEvidence`), where the repeats are. */
export function groupLines(group: FindingGroup, maxEvidence = Number.POSITIVE_INFINITY): string[] {
  const [, ...evidence] = findingLines(group.first, maxEvidence);
  return [groupHeadline(group), ...evidence, ...repeatLine(group.repeats)];
}

export interface FailureLineOptions {
  /** The case's own controls: their findings lead. */
  controls?: readonly string[];
  /** Evidence items shown per group. */
  maxEvidence?: number;
}

/**
 * Every failing finding with its evidence, the case's own controls first and repeats grouped,
 * then the command that replays the case. Console, JUnit and the readiness report all print this.
 */
export function failureLines(failures: readonly Finding[], replay: string, options: FailureLineOptions = {}): string[] {
  const own = options.controls ?? [];
  const groups = groupFindings(failures, own);
  // A case can fail on an invariant alone; say so, or its first line reads as the case's verdict.
  const ownHeld = own.length > 0 && groups.length > 0 && !failures.some((finding) => own.includes(finding.control));
  return [
    ...(ownHeld ? [`${own.join(', ')}: did not break; the case failed on other controls:`] : []),
    ...groups.flatMap((group) => groupLines(group, options.maxEvidence)),
    replayLine(replay),
  ];
}

/** A case error as text: kind and message, the agent's stderr tail (its last lines), the replay command. */
export function errorLines(error: CaseError, replay: string, maxStderrLines = Number.POSITIVE_INFINITY): string[] {
  const stderr = printable(error.stderrTail ?? '').trimEnd();
  const tail = stderr === '' ? [] : stderr.split('\n').slice(-maxStderrLines);
  return [
    `${error.kind}: ${printable(error.message)}`,
    ...(tail.length > 0 ? ['  stderr:', ...tail.map((line) => `    ${line}`)] : []),
    replayLine(replay),
  ];
}

/** One sentence on what became of a run's planted payloads. */
export function injectionSentence(total: InjectionTally): string {
  const filtered = total.keptOut + total.encoded + total.transformed;
  return (
    `${plural(total.delivered, 'planted payload')} reached the agent; it kept ${total.keptOut} from the model and altered ${total.transformed + total.encoded} more ` +
    `(${filtered} of ${total.delivered} filtered), ${total.verbatim} reached the model word for word. ` +
    `The model obeyed ${total.obeyed}; ${plural(total.harmed, 'payload')} caused harm.`
  );
}
