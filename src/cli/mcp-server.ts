import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PACK_NAMES } from '../config/common.js';
import { UsageError } from '../errors.js';
import { planSuite } from '../runner/run.js';
import { worldOptionsFor } from '../runner/world-options.js';
import { schemaVersion } from '../world/tools/catalog.js';
import { serveWorldOverStdio } from '../world/tools/stdio-server.js';
import { createWorld } from '../world/world.js';
import { resolveConfig } from './config-file.js';
import { type CliIo, EXIT } from './main.js';

export interface McpServerFlags {
  scenario: string;
  config?: string;
  scenarios?: string[];
  seed?: number;
  ledger?: string;
}

// Nobody refreshes tokens inside the bridge: one token lasts the server's life.
const BRIDGE_TOKEN_TTL_S = 24 * 60 * 60;

/**
 * `agent-chaos mcp-server --scenario ID`: the scenario's world (hostile tools and all) as an MCP
 * server on stdin/stdout, until the client hangs up. Its tool calls are summarized on stderr,
 * and written whole to `--ledger FILE` as JSON.
 */
export async function mcpServerCommand(flags: McpServerFlags, io: CliIo): Promise<number> {
  const { config } = resolveConfig(flags.config, io.cwd);
  const [spec, ...more] = planSuite({
    config,
    packs: [...PACK_NAMES],
    scenarioRoots: flags.scenarios?.map((d) => resolve(io.cwd, d)),
    only: [flags.scenario],
    seed: flags.seed,
  }).filter((c) => c.id === flags.scenario);
  if (!spec || more.length > 0) throw new UsageError(`no scenario "${flags.scenario}" (see agent-chaos list)`);
  const runPath = '/run/stdio';
  const world = createWorld({
    ...worldOptionsFor(spec, config.manifest),
    tokenTtlS: BRIDGE_TOKEN_TTL_S,
    spec,
    manifest: config.manifest,
    runPath,
    baseUrl: `http://127.0.0.1${runPath}`,
  });
  const startVersion = schemaVersion(world.catalog);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    await serveWorldOverStdio({ world, name: `agent-chaos ${spec.id}`, signal: controller.signal });
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    await world.close();
  }
  const calls = world.ledger.tools().map((e) => ({
    seq: e.seq,
    tool: e.tool,
    status: e.status,
    executed: e.executed,
    ...(e.fault ? { fault: e.fault } : {}),
    ...(e.faultDetail ? { detail: e.faultDetail } : {}),
  }));
  const endVersion = schemaVersion(world.catalog);
  const versions = startVersion === endVersion ? startVersion : `${startVersion} → ${endVersion}`;
  io.stderr.write(
    `agent-chaos mcp-server ${spec.id}: ${calls.length} tool call(s)${calls.length ? `: ${calls.map((c) => `${c.tool}${c.executed ? '' : ' (not run)'}`).join(', ')}` : ''}; schema version ${versions}\n`,
  );
  if (flags.ledger) {
    const out = {
      scenario: spec.id,
      seed: spec.seed,
      schema_versions: { start: startVersion, end: endVersion },
      tool_calls: calls,
      ledger: world.ledger.entries,
    };
    await writeFile(resolve(io.cwd, flags.ledger), `${JSON.stringify(out, null, 2)}\n`);
  }
  return EXIT.ok;
}
