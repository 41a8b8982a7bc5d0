import { readdirSync, readFileSync } from 'node:fs';

/** Pids of live processes whose environment holds `variable=value` (Linux /proc; none elsewhere). */
export function processesWith(variable: string, value: string): number[] {
  if (process.platform !== 'linux') return [];
  const needle = Buffer.from(`${variable}=${value}\0`);
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${name}/environ`);
      const at = environ.indexOf(needle);
      if (at === 0 || (at > 0 && environ[at - 1] === 0)) found.push(Number(name));
    } catch {
      // gone mid-scan, or not ours
    }
  }
  return found;
}

/** Waits (bounded, generous for a loaded machine) until no such process is left; returns the survivors. */
export async function survivorsAfter(variable: string, value: string, waitMs = 10_000): Promise<number[]> {
  const until = Date.now() + waitMs;
  for (;;) {
    const left = processesWith(variable, value);
    if (left.length === 0 || Date.now() > until) return left;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** TCP ports something on this machine listens on (Linux /proc/net/tcp and tcp6). */
export function listeningPorts(): Set<number> {
  const ports = new Set<number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state === '0A' && local) ports.add(Number.parseInt(local.split(':').pop() ?? '', 16));
    }
  }
  return ports;
}
