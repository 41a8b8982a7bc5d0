import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { parseCommandString } from 'execa';
import { parseLocated, readConfigText } from '../config/load.js';
import type { LoadedManifest } from '../config/manifest-file.js';
import { ConfigError, type SourceLocation, UsageError } from '../errors.js';

/** The agent a run would start, as `run` settles it. */
export interface AgentChoice {
  config: LoadedManifest;
  /** Where the agent's command runs. */
  cwd: string;
  kind: 'process' | 'module';
  /** Set when `--agent CMD` overrides `agent.command`. */
  agentFlag?: string;
}

/**
 * Finds before the first case what would make every case fail to start: an agent command that
 * is not on PATH or not an executable file, an agent module that does not exist. Throws a
 * located ConfigError (the manifest's field) or, for `--agent`, a UsageError: exit 2.
 */
export function preflightAgent(choice: AgentChoice): void {
  const { manifest, file, dir } = choice.config;
  if (choice.kind === 'module') {
    if (!manifest.agent.module) return;
    const path = resolve(dir, manifest.agent.module);
    if (!existsSync(path)) throw new ConfigError(locate(file, ['agent', 'module']), `the agent module ${path} does not exist`);
    return;
  }
  const command = choice.agentFlag ?? manifest.agent.command;
  if (!command) return;
  const problem = commandProblem(command, choice.cwd, manifest.agent.env?.PATH ?? process.env.PATH ?? '');
  if (!problem) return;
  if (choice.agentFlag !== undefined) throw new UsageError(`--agent: ${problem}`);
  throw new ConfigError(locate(file, ['agent', 'command']), problem);
}

/** Why `command` cannot start from `cwd` with this PATH, or undefined when it can. */
export function commandProblem(command: string, cwd: string, pathVariable: string): string | undefined {
  let program: string | undefined;
  try {
    [program] = parseCommandString(command);
  } catch (err) {
    return `cannot read the command "${command}": ${(err as Error).message}`;
  }
  if (!program) return 'the agent command is empty';
  // Windows resolves commands through PATHEXT and the shell's own rules: leave it to the start.
  if (process.platform === 'win32') return undefined;
  if (program.includes('/')) {
    const path = resolve(cwd, program);
    if (!existsSync(path)) return `the agent command "${program}" does not exist (looked for ${path})`;
    if (!isExecutableFile(path)) return `the agent command "${program}" is not an executable file (${path})`;
    return undefined;
  }
  const dirs = pathVariable.split(delimiter).filter(Boolean);
  if (dirs.some((d) => isExecutableFile(join(resolve(cwd, d), program)))) return undefined;
  return `the agent command "${program}" was not found on PATH (${dirs.length} folder(s) searched)`;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function locate(file: string | undefined, path: string[]): SourceLocation {
  if (!file) return { file: '(config)', field: path.join('.') };
  try {
    return parseLocated(readConfigText(file), file).locate(path);
  } catch {
    return { file, field: path.join('.') };
  }
}
