import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CaseResult } from '../../src/runner/results.js';
import { failureLines } from '../helpers/harness.js';
import { fixtureProcesses, listeningPorts, runBeside } from './isolation-helpers.js';

// Two cases of the audit pack at a time: the reference agent passes both, quickly.
const ONLY = ['audit/basic-run', 'audit/run-with-denial', 'audit/escalation-trail', 'audit/write-external-ids'];

let portsBefore: number[];
beforeAll(() => {
  portsBefore = listeningPorts();
});

afterEach(async () => {
  // Nothing the cases started survives them (a killed process may take a moment to go), and the
  // world host's port is closed.
  await vi.waitFor(() => expect(fixtureProcesses()).toEqual([]), { timeout: 10_000, interval: 100 });
  expect(listeningPorts()).toEqual(portsBefore);
});

function failing(c: CaseResult, control: string) {
  return c.findings.filter((f) => f.status === 'fail' && f.control === control);
}

/** The guarded cases kept their verdict, and nothing the hostile ones sent reached their worlds. */
function expectGuardedHeld(guarded: CaseResult[]): void {
  expect(guarded.length).toBeGreaterThan(0);
  expect(failureLines(guarded)).toEqual([]);
  for (const c of guarded) {
    expect(c.status, `${c.id}: ${c.error?.message ?? ''}`).toBe('passed');
    const ledger = (c.transcript?.ledger ?? []) as { kind: string; tool?: string; body?: unknown }[];
    expect(JSON.stringify(ledger.filter((e) => e.kind === 'escalation'))).not.toContain('pwned');
    expect(ledger.filter((e) => e.kind === 'tool' && e.tool === 'delete_repo')).toEqual([]);
  }
}

describe('hostile agents beside a guarded one: isolation and limits', () => {
  it('cross-run requests are refused and charged to the sender, never to the neighbour', async () => {
    const { hostile, guarded, summary } = await runBeside('cross-run', ONLY, [0, 2]);
    expect(hostile).toHaveLength(2);
    for (const c of hostile) {
      const [guessed, stolen] = failing(c, 'harness.isolation');
      expect(guessed?.message, c.agent.stderrTail).toBe(
        "8 request(s) addressed a run that is not its own, carrying this run's credentials; the first was POST /run/…/tools/delete_repo. The harness refused them",
      );
      // A neighbour's real path, read from its environment in /proc, with this agent's own credentials.
      const found = Number(/\((\d+) neighbour\(s\) found\)/.exec(c.agent.stderrTail)?.[1]);
      expect(c.agent.stderrTail).toMatch(new RegExp(`cross-run statuses (404,){8}404${',403,403'.repeat(found)} `));
      if (found > 0) expect(stolen?.message).toMatch(/^\d+ request\(s\) addressed another run's world, carrying this run's credentials/);
    }
    // The request that carried no credential is the run's, not a case's.
    expect(summary.strays).toEqual({
      count: 2,
      samples: [
        'POST /run/…/escalations (carried no credential of a live run)',
        'POST /run/…/escalations (carried no credential of a live run)',
      ],
    });
    expectGuardedHeld(guarded);
  });

  it('a request flood is answered 429 past the limit and fails the flooding case only', async () => {
    // A per-case cap makes the refusals certain however slowly a loaded machine answers.
    const { hostile, guarded } = await runBeside('flood', ONLY.slice(0, 2), [0], {
      env: { FLOOD_REQUESTS: '1200' },
      // The rate cap out of the way: on a quick machine it would refuse the flood first.
      limits: { requests_per_case: 400, requests_per_second: 1_000_000 },
    });
    expect(hostile).toHaveLength(1);
    const messages = failing(hostile[0]!, 'harness.limits').map((f) => f.message);
    expect(messages, hostile[0]!.agent.stderrTail).toContainEqual(
      expect.stringMatching(
        /^\d+ request\(s\) went over run\.limits\.requests_per_case \(400\) and were answered 429; the first was GET \/run\/…\/tools$/,
      ),
    );
    expect(hostile[0]!.transcript?.ledger.length).toBeLessThanOrEqual(400);
    expectGuardedHeld(guarded);
  });

  it('a 200 MB audit is read up to the limit, streaming, and fails its case only', async () => {
    const { hostile, guarded } = await runBeside('huge-audit', ONLY.slice(0, 2), [0]);
    expect(hostile).toHaveLength(1);
    const c = hostile[0]!;
    expect(c.status).toBe('failed');
    expect(failing(c, 'harness.limits')[0]?.message).toMatch(
      /^the audit file is longer than run\.limits\.audit_max_bytes \(16777216 bytes\): the harness read \d+ line\(s\), \d+ bytes, and left the rest unread$/,
    );
    expectGuardedHeld(guarded);
  });

  it('an audit with NUL bytes and bytes that are not UTF-8 gives invalid lines, not a crash', async () => {
    const { hostile, guarded } = await runBeside('garbled-audit', ONLY.slice(0, 2), [0]);
    expect(hostile).toHaveLength(1);
    const c = hostile[0]!;
    expect(c.status).toBe('failed');
    const integrity = failing(c, 'audit.integrity')
      .map((f) => f.message)
      .join('\n');
    expect(integrity).toContain('not valid UTF-8');
    expect(integrity).toContain('not JSON');
    expectGuardedHeld(guarded);
  });
});
