import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ANY_TOOL_TARGET, MODEL_TARGET } from '../chaos/schema.js';
import { findCheck } from '../checks/index.js';
import { ConfigError } from '../errors.js';
import { BUILTIN_TOOLS } from '../world/tools/catalog.js';
import { loadCassette } from './cassette.js';
import { PACK_NAMES, type PackName } from './common.js';
import { isDir, type LocatedDocument, loadFile, parseLocated, readConfigText, realPath } from './load.js';
import { type Scenario, scenarioSchema } from './scenario.js';

/** A scenario with its pack settled and the file it came from. */
export type LoadedScenario = Scenario & { pack: PackName; file: string };

const SCENARIO_FILE = /\.(ya?ml|json)$/;

/** Loads and checks one scenario file. `folderPack` is the pack its folder names, if any. */
export function loadScenarioFile(file: string, folderPack?: PackName): LoadedScenario {
  const { data: scenario, doc } = loadFile(file, scenarioSchema);
  const pack = scenario.pack ?? folderPack;
  if (!pack)
    throw new ConfigError(
      doc.locate(['pack'], { key: true }),
      `missing pack: one of ${PACK_NAMES.join(', ')} (or put the file in scenarios/<pack>/)`,
    );
  if (folderPack && scenario.pack && scenario.pack !== folderPack) {
    throw new ConfigError(doc.locate(['pack']), `pack "${scenario.pack}" does not match the folder "${folderPack}"`);
  }
  checkReferences(doc, scenario);
  return { ...withCassette(doc, scenario, file), pack, file };
}

/** A replay's scenario with its cassette's answers as the script (tool names as recorded: a real model may make one up). */
function withCassette(doc: LocatedDocument, scenario: Scenario, file: string): Scenario {
  if (scenario.model.policy !== 'replay' || scenario.model.cassette === undefined) return scenario;
  const path = resolve(dirname(file), scenario.model.cassette);
  if (!existsSync(path)) throw new ConfigError(doc.locate(['model', 'cassette']), `no cassette at ${path}`);
  const { script, finalText } = loadCassette(path);
  return { ...scenario, model: { ...scenario.model, script, final_text: finalText ?? scenario.model.final_text } };
}

/** Controls must be known checks; literal tool names must be served by the world. */
function checkReferences(doc: LocatedDocument, scenario: Scenario): void {
  scenario.controls.forEach((control, i) => {
    if (!findCheck(control)) throw new ConfigError(doc.locate(['controls', i]), `unknown control "${control}"`);
  });
  const known = new Set([...BUILTIN_TOOLS.map((t) => t.name), ...scenario.tools.map((t) => t.name)]);
  scenario.model.script.forEach((turn, t) => {
    const calls = 'tool_calls' in turn ? turn.tool_calls : 'repeat' in turn ? turn.repeat.tool_calls : [];
    const path = 'repeat' in turn ? ['model', 'script', t, 'repeat', 'tool_calls'] : ['model', 'script', t, 'tool_calls'];
    calls.forEach((call, c) => {
      if (call.variant_of && call.variant_of.call >= c) {
        const which = c === 0 ? 'the first call of a turn has none' : `0 to ${c - 1} here`;
        throw new ConfigError(
          doc.locate([...path, c, 'variant_of', 'call']),
          `a variant names an earlier call of the same turn (${which})`,
        );
      }
      if (!call.tool.startsWith('@') && !known.has(call.tool)) {
        throw new ConfigError(
          doc.locate([...path, c, 'tool']),
          `unknown tool "${call.tool}": not in the world's catalog nor this scenario's tools (use "@unknown" for a hallucinated tool)`,
        );
      }
    });
  });
  for (const [i, h] of (scenario.mcp?.hostile ?? []).entries()) {
    const refs: [string, string][] = [
      ['tool', h.tool],
      ['bait', h.bait],
      ...(h.kind === 'shadow' ? [['target', h.target] as [string, string]] : []),
    ];
    for (const [field, ref] of refs) {
      if (!ref.startsWith('@') && !known.has(ref) && !(field === 'bait')) {
        throw new ConfigError(
          doc.locate(['mcp', 'hostile', i, field]),
          `unknown tool "${ref}": not in the world's catalog nor this scenario's tools`,
        );
      }
    }
  }
  const fuzzTool = scenario.fuzz?.tool;
  if (fuzzTool !== undefined && (fuzzTool === '@unknown' || (!fuzzTool.startsWith('@') && !known.has(fuzzTool)))) {
    throw new ConfigError(doc.locate(['fuzz', 'tool']), `fuzz needs a tool the world serves, not "${fuzzTool}"`);
  }
  scenario.faults.forEach((rule, f) => {
    const { target } = rule;
    if (target === MODEL_TARGET || target === ANY_TOOL_TARGET || target.startsWith('@') || known.has(target)) return;
    throw new ConfigError(
      doc.locate(['faults', f, 'target']),
      `unknown fault target "${target}": a tool the world serves, an @role, "${ANY_TOOL_TARGET}" (every tool) or "${MODEL_TARGET}"`,
    );
  });
}

/** Every scenario file of one pack folder, in file-name order. */
export function loadPackDir(dir: string, pack: PackName): LoadedScenario[] {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => SCENARIO_FILE.test(n))
      .sort();
  } catch {
    return [];
  }
  return names.map((n) => loadScenarioFile(join(dir, n), pack));
}

/**
 * Loads the named packs from each scenarios root (built-in first, then the user's), then single
 * scenario files (their pack from the file or its folder), refusing duplicate scenario ids across
 * all of them. A root or file named twice (even by another path) is read once.
 */
export function loadPacks(roots: string[], packs: readonly PackName[], files: readonly string[] = []): LoadedScenario[] {
  const all: LoadedScenario[] = [];
  const seen = new Map<string, string>();
  const read = new Set<string>();
  const add = (s: LoadedScenario) => {
    if (!packs.includes(s.pack)) return;
    const other = seen.get(s.id);
    if (other) {
      const doc = parseLocated(readConfigText(s.file), s.file);
      throw new ConfigError(doc.locate(['id']), `duplicate scenario id "${s.id}" (also in ${other})`);
    }
    seen.set(s.id, s.file);
    all.push(s);
  };
  const firstTime = (path: string) => {
    const key = realPath(path);
    if (read.has(key)) return false;
    read.add(key);
    return true;
  };
  const uniqueRoots = roots.filter(firstTime);
  for (const pack of PACK_NAMES.filter((p) => packs.includes(p))) {
    for (const root of uniqueRoots) {
      const dir = join(root, pack);
      if (!isDir(dir)) continue;
      for (const s of loadPackDir(dir, pack)) if (firstTime(s.file)) add(s);
    }
  }
  for (const file of files) if (firstTime(file)) add(loadScenarioFile(file, folderPack(file)));
  return all;
}

/** The pack a scenario file's folder names (`…/authorization/x.yaml`), if any. */
export function folderPack(file: string): PackName | undefined {
  const folder = basename(dirname(resolve(file)));
  return (PACK_NAMES as readonly string[]).includes(folder) ? (folder as PackName) : undefined;
}
