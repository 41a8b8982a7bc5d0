import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { Manifest } from '../../src/config/manifest.js';
import { loadManifest } from '../../src/config/manifest-file.js';
import type { CaseResult, RunSummary } from '../../src/runner/results.js';
import { planSuite } from '../../src/runner/run.js';
import { REFERENCE_CONFIG, runCases } from '../helpers/harness.js';

export const ISOLATION_AGENT = 'node test/hostile/fixtures/isolation-agent.js';

/** Processes still alive that the isolation fixture started (found by its environment). */
export function fixtureProcesses(): number[] {
  const pids: number[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/environ`, 'latin1').includes('\0HOSTILE_MODE=')) pids.push(Number(pid));
    } catch {
      // Gone mid-scan, or not ours to read.
    }
  }
  return pids;
}

/** TCP ports this process listens on (from /proc/net/tcp*, matched by socket inode). */
export function listeningPorts(): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const link = readlinkSync(`/proc/self/fd/${fd}`);
      const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
      if (inode) inodes.add(inode);
    } catch {
      // Closed mid-scan.
    }
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const row of text.split('\n').slice(1)) {
      const cols = row.trim().split(/\s+/);
      // Column 3 is the state (0A: LISTEN), column 9 the inode.
      if (cols[3] === '0A' && inodes.has(cols[9] ?? '')) ports.push(Number.parseInt(cols[1]?.split(':')[1] ?? '0', 16));
    }
  }
  return ports.sort();
}

export type HostileMode = 'flood' | 'cross-run' | 'huge-audit' | 'garbled-audit';

/**
 * Runs `only` as processes of the isolation fixture, two at a time, hostile in `mode` for the
 * cases at `hostile` (plan positions) and the reference agent for the rest.
 */
export async function runBeside(
  mode: HostileMode,
  only: string[],
  hostile: number[],
  options: { env?: Record<string, string>; limits?: NonNullable<Manifest['run']>['limits'] } = {},
): Promise<{ hostile: CaseResult[]; guarded: CaseResult[]; summary: RunSummary }> {
  const seed = 1;
  const specs = planSuite({ config: loadManifest(REFERENCE_CONFIG), only, seed });
  const triggers = new Set(specs.filter((_, i) => hostile.includes(i)).map((s) => s.trigger.id));
  const { cases, summary } = await runCases({
    command: ISOLATION_AGENT,
    only,
    seed,
    concurrency: 2,
    manifest: (m) => ({
      ...m,
      agent: { ...m.agent, env: { ...m.agent.env, ...options.env, HOSTILE_MODE: mode, HOSTILE_TRIGGERS: [...triggers].join(',') } },
      ...(options.limits ? { run: { ...m.run, limits: options.limits } } : {}),
    }),
  });
  const isHostile = (c: CaseResult) => triggers.has((c.transcript?.trigger as { id?: string } | undefined)?.id ?? '');
  return { hostile: cases.filter(isHostile), guarded: cases.filter((c) => !isHostile(c)), summary };
}
