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

/** Every failing finding with its evidence, then the command that replays the case. */
export function failureLines(failures: readonly Finding[], replay: string, maxEvidence?: number): string[] {
  return [...failures.flatMap((finding) => findingLines(finding, maxEvidence)), replayLine(replay)];
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
