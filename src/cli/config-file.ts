import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { type LoadedManifest, loadManifest } from '../config/manifest-file.js';
import { packageRoot } from '../paths.js';

const CONFIG_NAMES = ['agent-chaos.config.yaml', 'agent-chaos.config.yml', 'agent-chaos.config.json'];

/** The config to use and where the agent runs: --config, else one in the cwd, else the bundled reference agent. */
export function resolveConfig(configFlag: string | undefined, cwd: string): { config: LoadedManifest; agentCwd: string; bundled: boolean } {
  if (configFlag) return { config: loadManifest(resolveShown(configFlag, cwd), cwd), agentCwd: cwd, bundled: false };
  const local = CONFIG_NAMES.map((n) => join(cwd, n)).find((f) => existsSync(f));
  if (local) return { config: loadManifest(resolveShown(local, cwd), cwd), agentCwd: cwd, bundled: false };
  // The bundled default: its command is relative to the package root.
  const root = packageRoot();
  return {
    config: loadManifest(resolveShown(join(root, 'examples/reference-agent/agent-chaos.config.yaml'), cwd), cwd),
    agentCwd: root,
    bundled: true,
  };
}

/** A path as the user would type it from the cwd (relative when inside it), for messages and replay commands. */
export function resolveShown(file: string, cwd: string): string {
  const abs = resolve(cwd, file);
  const rel = relative(cwd, abs);
  return rel && !rel.startsWith('..') ? rel : abs;
}
