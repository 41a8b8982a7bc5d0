import { readdir, readFile } from 'node:fs/promises';

/** Scan-and-kill rounds before giving up on a process that keeps respawning. */
const MAX_ROUNDS = 20;
const ROUND_PAUSE_MS = 25;
/** More processes than any machine this runs on has; the scan never walks further. */
const MAX_PROCESSES = 100_000;

/**
 * The processes (other than this one) whose environment holds `variable=value`, read from
 * `/proc/{pid}/environ` on Linux. A process that vanishes or hides its environment mid-scan is
 * skipped. Elsewhere: none (no portable way to read another process's environment).
 */
export async function processesWith(variable: string, value: string): Promise<number[]> {
  if (process.platform !== 'linux') return [];
  let names: string[];
  try {
    names = await readdir('/proc');
  } catch {
    return [];
  }
  const needle = Buffer.from(`${variable}=${value}\0`);
  const found: number[] = [];
  for (const name of names.slice(0, MAX_PROCESSES)) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    let environ: Buffer;
    try {
      environ = await readFile(`/proc/${name}/environ`);
    } catch {
      continue; // gone, or not ours to read
    }
    // Entries are NUL-separated; match a whole entry, never the tail of another's value.
    const at = environ.indexOf(needle);
    if (at === 0 || (at > 0 && environ[at - 1] === 0)) found.push(pid);
  }
  return found;
}

/**
 * Kills every process an agent's run started (they all carry the run's token in their
 * environment, however they detached: `setsid`, double fork, a new process group), so none
 * outlives its case and every port they opened closes. Returns the pids killed.
 */
export async function killLeftovers(variable: string, value: string): Promise<number[]> {
  const killed = new Set<number>();
  for (let round = 0; round < MAX_ROUNDS; round++) {
    // A killed process no longer matches once dead: a zombie's environment reads empty.
    const pids = await processesWith(variable, value);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
        killed.add(pid);
      } catch {
        // ESRCH: it ended by itself meanwhile.
      }
    }
    await new Promise((resolve) => setTimeout(resolve, ROUND_PAUSE_MS));
  }
  return [...killed];
}
