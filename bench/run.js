// npm run bench: cases per second, and the harness's overhead against a bare call of the same
// agent, printed as ratios. Numbers vary with the machine; the ratios are what to compare.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { createWorld, loadManifest, planSuite, runSuite, WorldHost } from '../dist/src/index.js';
import { benchAudit, printAudit } from './audit.js';

const ROOT = resolve(import.meta.dirname, '..');
const CONFIG = join(ROOT, 'examples/reference-agent/agent-chaos.config.yaml');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
// Packs without faults or timed humans, so the bare run (no scenario world options) meets the same world.
const PACKS = ['authorization', 'audit'];
const config = loadManifest(CONFIG);
const silent = { name: 'silent' };

const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const now = () => process.hrtime.bigint();
const fmt = (n, digits = 1) => n.toFixed(digits);

async function harnessRun(adapter, concurrency) {
  const t0 = now();
  let cases = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const summary = await runSuite({ config, cwd: ROOT, adapter, concurrency, reporter: silent, seed: r + 1, packs: PACKS });
    cases += summary.totals.cases;
  }
  const elapsed = ms(t0);
  return { cases, elapsed, perCase: elapsed / cases, perSecond: (cases * 1000) / elapsed };
}

/** The same agent on the same cases, with nothing of the harness but the world it needs. */
async function bareRun(adapter) {
  const agent = adapter === 'module' ? (await import(join(ROOT, 'examples/reference-agent/agent.js'))).default : undefined;
  const host = new WorldHost();
  await host.start();
  if (adapter === 'module') host.enableInProcess();
  const dir = await mkdtemp(join(tmpdir(), 'ac-bench-'));
  let cases = 0;
  const t0 = now();
  try {
    for (let r = 0; r < ROUNDS; r++) {
      for (const spec of planSuite({ config, seed: r + 1, packs: PACKS })) {
        if (spec.skip) continue;
        const slot = host.allocate();
        const world = createWorld({ spec, manifest: config.manifest, runPath: slot.runPath, baseUrl: slot.baseUrl });
        host.attach(world);
        const trigger = { ...spec.trigger, received_at: new Date().toISOString() };
        const triggerFile = join(dir, `t${cases}.json`);
        await writeFile(triggerFile, JSON.stringify(trigger));
        const env = { ...world.env(), AGENT_CHAOS_TRIGGER_FILE: triggerFile, AGENT_CHAOS_AUDIT_FILE: join(dir, `a${cases}.jsonl`) };
        if (agent) await agent({ env, trigger, signal: new AbortController().signal });
        else
          await execa('node', ['examples/reference-agent/main.js'], {
            cwd: ROOT,
            env: { PATH: process.env.PATH, ...env },
            extendEnv: false,
            input: JSON.stringify(trigger),
          });
        await world.close();
        host.detach(world);
        cases++;
      }
    }
  } finally {
    await host.close();
    await rm(dir, { recursive: true, force: true });
  }
  const elapsed = ms(t0);
  return { cases, elapsed, perCase: elapsed / cases };
}

/** One tool call through the world (bearer check, catalog, ledger) against a bare Response. */
async function toolCallOverhead() {
  const [spec] = planSuite({ config, seed: 1 });
  const world = createWorld({ spec, manifest: config.manifest, runPath: '/run/0', baseUrl: 'http://127.0.0.1:9/run/0' });
  const tokenRes = await world.handle(
    new Request(`${world.baseUrl}/identity/token`, {
      method: 'POST',
      body: JSON.stringify({ grant_type: 'client_credentials', client_id: world.clientId, client_secret: world.clientSecret }),
      headers: { 'content-type': 'application/json' },
    }),
  );
  const { access_token } = await tokenRes.json();
  const call = () =>
    new Request(`${world.baseUrl}/tools/read_ticket`, {
      method: 'POST',
      body: JSON.stringify({ ticket_id: 'TCK-1' }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${access_token}` },
    });
  const N = 2000;
  for (let i = 0; i < 200; i++) await (await world.handle(call())).text();
  let t0 = now();
  for (let i = 0; i < N; i++) await (await world.handle(call())).text();
  const worldUs = (ms(t0) * 1000) / N;
  t0 = now();
  for (let i = 0; i < N; i++) {
    const req = call();
    await req.json();
    await new Response(JSON.stringify({ id: 'TCK-1', status: 'open' }), { headers: { 'content-type': 'application/json' } }).text();
  }
  const bareUs = (ms(t0) * 1000) / N;
  await world.close();
  return { worldUs, bareUs };
}

const cpu = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
console.log(`agent-chaos ${cpu} bench · ${ROUNDS} round(s) of the ${PACKS.join(' and ')} packs against the reference agent`);

printAudit(benchAudit({ records: 10_000, rounds: 3 }));

const tool = await toolCallOverhead();
console.log(
  `tool call through the world: ${fmt(tool.worldUs)} µs vs bare ${fmt(tool.bareUs)} µs · harness adds ${fmt(tool.worldUs - tool.bareUs)} µs a call (×${fmt(tool.worldUs / tool.bareUs, 2)})`,
);

for (const adapter of ['module', 'process']) {
  const bare = await bareRun(adapter);
  const serial = await harnessRun(adapter, 1);
  const parallel = await harnessRun(adapter, 2);
  console.log(
    `${adapter.padEnd(7)} harness ${fmt(serial.perCase)} ms/case vs bare ${fmt(bare.perCase)} ms/case (×${fmt(serial.perCase / bare.perCase, 2)}) · ` +
      `${fmt(serial.perSecond)} cases/s serial, ${fmt(parallel.perSecond)} cases/s at concurrency 2 (×${fmt(parallel.perSecond / serial.perSecond, 2)})`,
  );
}
