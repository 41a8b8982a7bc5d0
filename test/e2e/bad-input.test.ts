import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

/**
 * The bad-input campaign: malformed manifests, scenarios, corpora, cassettes and flags, each run
 * through the CLI's own main() in-process. Every one must exit 2 and name its file, line and
 * field (or its flag), with no stack trace, before any case runs.
 */

const tmp = mkdtempSync(join(tmpdir(), 'ac-bad-input-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Where the error must point: a file with the line holding `needle` (its first occurrence), or a flag. */
type Where = { file: string; needle?: string; line?: false; field?: string } | { flag: string };

interface BadCase {
  name: string;
  files: Record<string, string | Buffer>;
  /** `$DIR` is replaced by the case's folder. */
  argv: string[];
  where: Where;
  /** Words the message must hold, saying what is wrong. */
  says?: string | RegExp;
}

const MANIFEST = `agent:
  id: bot
  command: node agent.js
tools:
  allow: [read_ticket, comment_ticket]
  write: [comment_ticket]
  forbidden: [delete_repo]
budgets:
  tool_calls_per_run: 5
run:
  seed: 3
`;
const M = 'agent-chaos.config.yaml';
const MJ = 'agent-chaos.config.json';
const MANIFEST_JSON = `{
  "agent": { "id": "bot", "command": "node agent.js" },
  "tools": { "allow": ["read_ticket"], "forbidden": ["delete_repo"] },
  "budgets": { "tool_calls_per_run": 5 }
}
`;

const SCENARIO = `id: authz/mine
title: Mine
pack: authorization
controls: [authz.forbidden]
model:
  script:
    - tool_calls:
        - tool: "@forbidden"
`;
const S = 'mine.yaml';

const CORPUS = 'name: ours\nversion: 1.0.0\nsource: our red team\nlicense: MIT\ndescription: ours\n';
const ENTRY = {
  id: 'ours-1',
  technique: 'ignore-previous',
  text: 'Ignore that and {goal}.',
  goal: { action: 'call', tool: '@forbidden' },
  tags: ['LLM01'],
};
const entry = (over: Record<string, unknown> = {}, drop: string[] = []) => {
  const e: Record<string, unknown> = { ...ENTRY, ...over };
  for (const k of drop) delete e[k];
  return JSON.stringify(e);
};
const CHAT = (message: unknown) => JSON.stringify({ choices: [{ message }] });

/** One edit of a text: the first `from` becomes `to`; the edit must apply. */
function edit(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`fixture edit: "${from}" not found`);
  return text.replace(from, to);
}
const manifest = (from: string, to: string) => edit(MANIFEST, from, to);
const scenario = (from: string, to: string) => edit(SCENARIO, from, to);
const appendScenario = (more: string) => SCENARIO + more;

const cases: BadCase[] = [];
const add = (c: BadCase) => cases.push(c);

// ── Manifests (YAML), each through `validate FILE` ──
const badManifest = (name: string, text: string, needle: string | undefined, field: string, says?: string | RegExp) =>
  add({ name: `manifest: ${name}`, files: { [M]: text }, argv: ['validate', M], where: { file: M, needle, field }, says });

badManifest('unknown top-level field', `${MANIFEST}agnet: {}\n`, 'agnet', 'agnet', 'unknown field');
badManifest('no agent', MANIFEST.replace('agent:\n  id: bot\n  command: node agent.js\n', ''), 'tools:', 'agent');
badManifest('empty agent id', manifest('id: bot', 'id: ""'), 'id: ""', 'agent.id');
badManifest('NUL in the agent id', manifest('id: bot', 'id: "bo\\0t"'), 'id: "bo', 'agent.id', 'control characters');
badManifest('line break in the agent id', manifest('id: bot', 'id: "bo\\nt"'), 'id: "bo', 'agent.id', 'control characters');
badManifest('escape character in the agent id', manifest('id: bot', 'id: "bo\\et"'), 'id: "bo', 'agent.id', 'control characters');
badManifest('blank agent id', manifest('id: bot', 'id: "   "'), 'id: "', 'agent.id', 'blank');
badManifest('agent id a number', manifest('id: bot', 'id: 5'), 'id: 5', 'agent.id', 'string');
badManifest('neither command nor module', manifest('  command: node agent.js\n', ''), 'id: bot', 'agent', 'command');
badManifest('NUL in the command', manifest('command: node agent.js', 'command: "node\\0 agent.js"'), 'command:', 'agent.command', 'NUL');
badManifest('NUL in the module path', manifest('command: node agent.js', 'module: "./a\\0.js"'), 'module:', 'agent.module', 'NUL');
badManifest(
  '"=" in an env name',
  manifest('command: node agent.js', 'command: node agent.js\n  env: { "A=B": x }'),
  'env:',
  'agent.env.A=B',
);
badManifest(
  'an env value a number',
  manifest('command: node agent.js', 'command: node agent.js\n  env: { A: 5 }'),
  'env:',
  'agent.env.A',
  'string',
);
badManifest(
  'NUL in an env value',
  manifest('command: node agent.js', 'command: node agent.js\n  env: { A: "x\\0" }'),
  'env:',
  'agent.env.A',
  'NUL',
);
badManifest('owner without oncall', manifest('id: bot', 'id: bot\n  owner: { team: t }'), 'owner:', 'agent.owner.oncall');
badManifest('unknown agent field', manifest('id: bot', 'id: bot\n  comand: x'), 'comand', 'agent.comand', 'unknown field');
badManifest(
  'tools.allow not a list',
  manifest('allow: [read_ticket, comment_ticket]', 'allow: read_ticket'),
  'allow:',
  'tools.allow',
  'array',
);
badManifest(
  'an unknown tool',
  manifest('forbidden: [delete_repo]', 'forbidden: [drop_db]'),
  'forbidden:',
  'tools.forbidden[0]',
  'unknown tool "drop_db"',
);
badManifest(
  'a tool name with spaces',
  manifest('forbidden: [delete_repo]', 'forbidden: ["drop db!"]'),
  'forbidden:',
  'tools.forbidden[0]',
  'tool name',
);
badManifest(
  'write not allowed',
  manifest('write: [comment_ticket]', 'write: [read_ticket, close_ticket]'),
  'write:',
  'tools.write[1]',
  'not in tools.allow',
);
badManifest(
  'protected not allowed',
  manifest('write: [comment_ticket]', 'write: [comment_ticket]\n  protected: [create_pr]'),
  'protected:',
  'tools.protected[0]',
  'not in tools.allow',
);
badManifest(
  'allowed and forbidden',
  manifest('forbidden: [delete_repo]', 'forbidden: [read_ticket]'),
  'forbidden:',
  'tools.forbidden[0]',
  'both allowed and forbidden',
);
badManifest(
  'custom tool without effect',
  manifest('forbidden: [delete_repo]', 'forbidden: [delete_repo]\n  custom:\n    - name: mine'),
  'name: mine',
  'tools.custom[0].effect',
);
badManifest(
  'custom tool with a bad effect',
  manifest('forbidden: [delete_repo]', 'forbidden: [delete_repo]\n  custom:\n    - { name: mine, effect: delete }'),
  'effect: delete',
  'tools.custom[0].effect',
);
badManifest(
  'a zero budget',
  manifest('tool_calls_per_run: 5', 'tool_calls_per_run: 0'),
  'tool_calls_per_run',
  'budgets.tool_calls_per_run',
);
badManifest(
  'a negative budget',
  manifest('tool_calls_per_run: 5', 'tool_calls_per_run: -1'),
  'tool_calls_per_run',
  'budgets.tool_calls_per_run',
);
badManifest(
  'a fractional budget',
  manifest('tool_calls_per_run: 5', 'tool_calls_per_run: 1.5'),
  'tool_calls_per_run',
  'budgets.tool_calls_per_run',
  'int',
);
badManifest(
  'a budget in words',
  manifest('tool_calls_per_run: 5', 'tool_calls_per_run: five'),
  'tool_calls_per_run',
  'budgets.tool_calls_per_run',
  'number',
);
badManifest(
  'an unknown budget',
  manifest('tool_calls_per_run: 5', 'tool_calls_per_run: 5\n  tool_cals: 3'),
  'tool_cals',
  'budgets.tool_cals',
  'unknown field',
);
for (const field of ['tool_timeout_ms', 'model_timeout_ms', 'approval_timeout_ms', 'run_timeout_ms']) {
  badManifest(
    `budgets.${field} past 2^31-1 ms`,
    manifest('tool_calls_per_run: 5', `${field}: 2147483648`),
    field,
    `budgets.${field}`,
    '2147483647',
  );
}
badManifest(
  'a timeout of 10^12 ms',
  manifest('tool_calls_per_run: 5', 'tool_timeout_ms: 1e12'),
  'tool_timeout_ms',
  'budgets.tool_timeout_ms',
);
badManifest('a zero token lifetime', `${MANIFEST}identity: { token_max_ttl_s: 0 }\n`, 'identity:', 'identity.token_max_ttl_s');
badManifest('negative kill grace steps', `${MANIFEST}identity: { kill_grace_steps: -1 }\n`, 'identity:', 'identity.kill_grace_steps');
badManifest('egress domains not a list', `${MANIFEST}egress: { allow_domains: example.com }\n`, 'egress:', 'egress.allow_domains', 'array');
badManifest(
  'model_may_see_secrets in words',
  `${MANIFEST}model_may_see_secrets: "yes"\n`,
  'model_may_see_secrets',
  'model_may_see_secrets',
  'boolean',
);
badManifest('an unknown pack', `${MANIFEST}packs: [authorization, chaos]\n`, 'packs:', 'packs[1]');
badManifest('a corpus folder that is not there', `${MANIFEST}corpora: [./missing]\n`, 'corpora:', 'corpora[0]', 'no such folder');
add({
  name: 'manifest: a corpus folder without corpus.yaml',
  files: { [M]: `${MANIFEST}corpora: [./notes]\n`, 'notes/readme.txt': 'hello\n' },
  argv: ['validate', M],
  where: { file: M, needle: 'corpora:', field: 'corpora[0]' },
  says: 'not a corpus',
});
badManifest(
  'case timeout past 2^31-1 ms',
  manifest('seed: 3', 'case_timeout_ms: 2147483648'),
  'case_timeout_ms',
  'run.case_timeout_ms',
  '2147483647',
);
badManifest('a huge concurrency', manifest('seed: 3', 'concurrency: 100000'), 'concurrency', 'run.concurrency', '256');
badManifest('zero concurrency', manifest('seed: 3', 'concurrency: 0'), 'concurrency', 'run.concurrency');
badManifest('a negative seed', manifest('seed: 3', 'seed: -1'), 'seed', 'run.seed');
badManifest('a fractional seed', manifest('seed: 3', 'seed: 1.5'), 'seed', 'run.seed');
badManifest('a seed past 2^53', manifest('seed: 3', 'seed: 9007199254740993'), 'seed', 'run.seed');
badManifest('an unknown adapter', manifest('seed: 3', 'adapter: thread'), 'adapter', 'run.adapter');
badManifest('an unknown run setting', manifest('seed: 3', 'seed: 3\n  retries: 2'), 'retries', 'run.retries', 'unknown field');

// ── Manifests through `run --config` (the same loader, before any case) ──
const runConfig = (
  name: string,
  text: string,
  needle: string | undefined,
  field: string | undefined,
  says?: string | RegExp,
  file = 'mine.yaml',
) => add({ name: `run --config: ${name}`, files: { [file]: text }, argv: ['run', '--config', file], where: { file, needle, field }, says });
runConfig('a list, not a manifest', '- agent: x\n', '- agent', undefined, 'object');
runConfig('an empty file', '', undefined, undefined, 'object');
runConfig('a corpus folder that is not there', `${MANIFEST}corpora: [./missing]\n`, 'corpora:', 'corpora[0]', 'no such folder');
runConfig('a timeout past 2^31-1 ms', manifest('seed: 3', 'case_timeout_ms: 99999999999'), 'case_timeout_ms', 'run.case_timeout_ms');
runConfig(
  'JSON with a trailing comma',
  edit(MANIFEST_JSON, '"tool_calls_per_run": 5 }', '"tool_calls_per_run": 5, }'),
  'tool_calls_per_run',
  undefined,
  'invalid JSON',
  'agent.json',
);
add({
  name: 'run --config: a scenario given as the manifest',
  files: { [S]: SCENARIO },
  argv: ['run', '--config', S],
  where: { file: S, needle: 'id:' },
  says: /this is a scenario, not a manifest[\s\S]*unknown field/,
});
add({
  name: 'run --config: a file that is not there',
  files: {},
  argv: ['run', '--config', 'nope.yaml'],
  where: { file: 'nope.yaml', line: false },
  says: 'file not found',
});

// ── Manifests in JSON: strict JSON, located ──
const badJson = (name: string, text: string, needle: string, says: string | RegExp, field?: string) =>
  add({ name: `JSON manifest: ${name}`, files: { [MJ]: text }, argv: ['validate', MJ], where: { file: MJ, needle, field }, says });
badJson(
  'a trailing comma in an object',
  edit(MANIFEST_JSON, '"tool_calls_per_run": 5 }', '"tool_calls_per_run": 5, }'),
  '"budgets"',
  /invalid JSON: .*trailing comma/,
);
badJson(
  'a trailing comma in a list',
  edit(MANIFEST_JSON, '["read_ticket"]', '["read_ticket",]'),
  '"tools"',
  /invalid JSON: .*trailing comma/,
);
badJson('a comment', edit(MANIFEST_JSON, '{\n', '{\n  // ours\n'), '// ours', 'invalid JSON');
badJson('single quotes', edit(MANIFEST_JSON, '"bot"', "'bot'"), "'bot'", 'invalid JSON');
badJson('an unquoted key', edit(MANIFEST_JSON, '"budgets"', 'budgets'), 'budgets', 'invalid JSON');
badJson('a missing closing brace', MANIFEST_JSON.trimEnd().slice(0, -1).trimEnd(), '"budgets"', /invalid JSON: .*end of file/);
badJson('two values', `${MANIFEST_JSON}{}\n`, '{}', /invalid JSON: .*after the JSON value/);
badJson('NaN', edit(MANIFEST_JSON, '"tool_calls_per_run": 5', '"tool_calls_per_run": NaN'), 'NaN', 'invalid JSON');
badJson(
  'a raw tab inside a string',
  edit(MANIFEST_JSON, '"node agent.js"', '"node\tagent.js"'),
  'node\tagent',
  /invalid JSON: a control character/,
);
badJson('a bad escape', edit(MANIFEST_JSON, '"node agent.js"', '"node \\x41"'), 'node \\x41', /invalid JSON: invalid escape/);
badJson('a leading zero', edit(MANIFEST_JSON, '"tool_calls_per_run": 5', '"tool_calls_per_run": 05'), 'tool_calls_per_run', 'invalid JSON');
badJson('a duplicate key', edit(MANIFEST_JSON, '"budgets"', '"tools": {},\n  "budgets"'), '"tools": {}', /unique/);
badJson(
  'a number as a string',
  edit(MANIFEST_JSON, '"tool_calls_per_run": 5', '"tool_calls_per_run": "5"'),
  'tool_calls_per_run',
  'number',
  'budgets.tool_calls_per_run',
);
badJson('a NUL escape in the id', edit(MANIFEST_JSON, '"bot"', '"bo\\u0000t"'), '"bo', 'control characters', 'agent.id');

// ── YAML syntax, tags and aliases ──
const badYaml = (name: string, text: string, needle: string, says: string | RegExp) =>
  add({ name: `YAML: ${name}`, files: { [M]: text }, argv: ['validate', M], where: { file: M, needle }, says });
badYaml('an unclosed quote', manifest('id: bot', 'id: "bot'), 'id: "bot', 'invalid YAML');
badYaml('a tab for indentation', manifest('  id: bot', '\tid: bot'), '\tid', 'invalid YAML');
badYaml('a duplicate key', manifest('  id: bot', '  id: bot\n  id: bot2'), 'id: bot2', /invalid YAML: .*unique/);
badYaml(
  'a !!js/function tag',
  manifest('id: bot', 'id: !!js/function "function () {}"'),
  '!!js/function',
  /tag !!js\/function is not allowed/,
);
badYaml('a !!binary tag', manifest('id: bot', 'id: !!binary aGVsbG8='), '!!binary', /tag !!binary is not allowed/);
badYaml('a local !custom tag', manifest('id: bot', 'id: !custom bot'), '!custom', /tag !custom is not allowed/);
badYaml('a !!set tag', `${MANIFEST}packs: !!set { audit }\n`, '!!set', /tag !!set is not allowed/);
badYaml('an alias bomb', `${MANIFEST}${billionLaughs()}`, '*l0', /too many aliases/);
badYaml('an undefined alias', manifest('id: bot', 'id: *nothing'), '*nothing', 'names no anchor');
badYaml('two documents', `${MANIFEST}---\nagent: { id: x }\n`, '---', 'invalid YAML');
badYaml('a key with no indentation', manifest('  command: node agent.js', ' command: node agent.js'), ' command', 'invalid YAML');

function billionLaughs(): string {
  let text = 'l0: &l0 [x, x, x, x, x, x, x, x, x]\n';
  for (let i = 1; i < 9; i++)
    text += `l${i}: &l${i} [${Array(9)
      .fill(`*l${i - 1}`)
      .join(', ')}]\n`;
  return text;
}

// ── Scenarios, each through `validate FILE` ──
const badScenario = (name: string, text: string, needle: string | undefined, field: string | undefined, says?: string | RegExp, file = S) =>
  add({ name: `scenario: ${name}`, files: { [file]: text }, argv: ['validate', file], where: { file, needle, field }, says });
badScenario('an id in capitals', scenario('id: authz/mine', 'id: authz/Mine'), 'id:', 'id', 'kebab-case');
badScenario('NUL in the id', scenario('id: authz/mine', 'id: "authz/mi\\0ne"'), 'id:', 'id', 'kebab-case');
badScenario('no id', scenario('id: authz/mine\n', ''), 'title:', 'id');
badScenario('an empty title', scenario('title: Mine', 'title: ""'), 'title:', 'title');
badScenario('an escape in the title', scenario('title: Mine', 'title: "Mi\\ene"'), 'title:', 'title', 'control characters');
badScenario('no controls', scenario('controls: [authz.forbidden]', 'controls: []'), 'controls:', 'controls');
badScenario(
  'an unknown control',
  scenario('controls: [authz.forbidden]', 'controls: [authz.nope]'),
  'controls:',
  'controls[0]',
  'unknown control',
);
badScenario('an unknown pack', scenario('pack: authorization', 'pack: chaos'), 'pack:', 'pack');
badScenario('no pack, outside a pack folder', scenario('pack: authorization\n', ''), 'id:', 'pack', 'missing pack');
add({
  name: 'scenario: a pack that does not match its folder',
  files: { 'budgets/mine.yaml': SCENARIO },
  argv: ['validate', 'budgets/mine.yaml'],
  where: { file: 'budgets/mine.yaml', needle: 'pack:', field: 'pack' },
  says: 'does not match the folder',
});
badScenario('an unknown field', scenario('title: Mine', 'title: Mine\ntitel: x'), 'titel', 'titel', 'unknown field');
badScenario(
  'a turn of no known shape',
  scenario('    - tool_calls:\n        - tool: "@forbidden"\n', '    - foo: 1\n'),
  '- foo',
  'model.script[0]',
  'a turn is one of',
);
badScenario(
  'an unknown tool',
  scenario('"@forbidden"', 'drop_db'),
  'drop_db',
  'model.script[0].tool_calls[0].tool',
  'unknown tool "drop_db"',
);
badScenario('an unknown role', scenario('"@forbidden"', '"@admin"'), '@admin', 'model.script[0].tool_calls[0].tool', 'unknown tool role');
badScenario(
  'a variant of nothing',
  scenario('        - tool: "@forbidden"\n', '        - { tool: "@forbidden", variant_of: { call: 0, change: content } }\n'),
  'variant_of',
  'model.script[0].tool_calls[0].variant_of.call',
  'earlier call',
);
badScenario(
  'a repeat of zero times',
  scenario('    - tool_calls:\n        - tool: "@forbidden"\n', '    - repeat: { times: 0, tool_calls: [{ tool: "@forbidden" }] }\n'),
  'repeat',
  undefined,
  /turn|times|>=1/,
);
badScenario('an unknown policy', scenario('model:\n', 'model:\n  policy: clever\n'), 'policy', 'model.policy');
badScenario(
  'a replay without a cassette',
  scenario('model:\n  script:\n    - tool_calls:\n        - tool: "@forbidden"\n', 'model:\n  policy: replay\n'),
  'policy',
  'model.policy',
  'needs model.cassette',
);
badScenario(
  'a cassette with a script',
  scenario('model:\n', 'model:\n  cassette: c.jsonl\n'),
  'cassette',
  'model.cassette',
  'played by model.policy: replay',
);
badScenario(
  'a cassette that is not there',
  'id: authz/mine\ntitle: Mine\npack: authorization\ncontrols: [authz.forbidden]\nmodel:\n  policy: replay\n  cassette: missing.jsonl\n',
  'cassette',
  'model.cassette',
  'no cassette',
);
badScenario(
  'an unknown fault type',
  appendScenario('faults:\n  - target: "@forbidden"\n    fault: { type: meteor }\n'),
  'type: meteor',
  'faults[0].fault.type',
  'unknown fault type',
);
badScenario(
  'an unknown fault target',
  appendScenario('faults:\n  - target: mainframe\n    fault: { type: hang }\n'),
  'target',
  'faults[0].target',
  'unknown fault target',
);
badScenario(
  'a latency past its cap',
  appendScenario('faults:\n  - target: model\n    fault: { type: latency, ms: 700000 }\n'),
  'fault:',
  'faults[0].fault.ms',
);
badScenario(
  'a fault window backwards',
  appendScenario('faults:\n  - target: model\n    fault: { type: hang }\n    when: { from: 3, to: 1 }\n'),
  'when:',
  'faults[0].when.to',
  'before',
);
badScenario('an unknown human behaviour', appendScenario('human: maybe\n'), 'human:', 'human.action', 'unknown human behaviour');
badScenario(
  'a delay on a human who never answers',
  appendScenario('human: { action: never, after: { polls: 1 } }\n'),
  'human:',
  'human.after',
  'applies only',
);
badScenario(
  'a human delay past its cap',
  appendScenario('human: { action: approve, after: { ms: 1000000000 } }\n'),
  'human:',
  'human.after.ms',
);
badScenario(
  'an approver with a line break',
  appendScenario('human: { action: approve, approver: "a\\nb" }\n'),
  'human:',
  'human.approver',
  'control characters',
);
badScenario('a zero token lifetime', appendScenario('identity: { token_ttl_s: 0 }\n'), 'identity:', 'identity.token_ttl_s');
badScenario(
  'an unknown moment',
  appendScenario('identity: { revoke: { at: lunch } }\n'),
  'identity:',
  'identity.revoke.at',
  'a moment is one of',
);
badScenario('an unknown required role', appendScenario('requires: [admin]\n'), 'requires:', 'requires[0]');
badScenario(
  'fuzzing a tool that does not exist',
  appendScenario('fuzz: { tool: "@unknown" }\n'),
  'fuzz:',
  'fuzz.tool',
  'fuzz needs a tool',
);
badScenario(
  'an unknown hostile kind',
  appendScenario('mcp: { hostile: [{ kind: trojan, tool: read_ticket }] }\n'),
  'mcp:',
  'mcp.hostile[0].kind',
);
badScenario(
  'injection without the obedient model',
  appendScenario('injection: { carriers: [ticket] }\n'),
  '  script:',
  'model.policy',
  'obedient',
);
badScenario(
  'an unknown carrier',
  scenario('model:\n', 'model:\n  policy: obedient\n') + 'injection: { carriers: [pigeon] }\n',
  'injection:',
  'injection.carriers[0]',
);
badScenario('an unknown bait kind', appendScenario('bait: { kinds: [gold], carriers: [env] }\n'), 'bait:', 'bait.kinds[0]');
badScenario('NUL in the trigger id', appendScenario('trigger: { id: "T\\0", text: hi }\n'), 'trigger:', 'trigger.id', 'control characters');
badScenario('an unknown transport hint', appendScenario('hints: { transport: grpc }\n'), 'hints:', 'hints.transport');
badScenario(
  'negative extra output tokens',
  scenario('    - tool_calls:\n', '    - extra_output_tokens: -1\n      tool_calls:\n'),
  'extra_output_tokens',
  undefined,
);
badScenario(
  'JSON with a trailing comma',
  '{"id": "authz/mine", "title": "Mine", "pack": "authorization", "controls": ["authz.forbidden"],}\n',
  '"id"',
  undefined,
  /invalid JSON: .*trailing comma/,
  'mine.json',
);
badScenario(
  'a file that is nothing we know',
  'colour: blue\nsize: 3\n',
  'colour',
  undefined,
  'cannot tell what this file is',
  'thing.yaml',
);
badScenario('a file that holds a bare word', 'hello\n', 'hello', undefined, 'not a config', 'word.yaml');

// ── Corpora ──
const corpus = (name: string, files: Record<string, string>, argvPath: string, where: Where, says?: string | RegExp) =>
  add({ name: `corpus: ${name}`, files, argv: ['validate', argvPath], where, says });
corpus('no license', { 'c/corpus.yaml': CORPUS.replace('license: MIT\n', ''), 'c/e.jsonl': `${entry()}\n` }, 'c', {
  file: 'c/corpus.yaml',
  needle: 'name:',
  field: 'license',
});
corpus(
  'a name in capitals',
  { 'c/corpus.yaml': CORPUS.replace('name: ours', 'name: Ours'), 'c/e.jsonl': `${entry()}\n` },
  'c',
  { file: 'c/corpus.yaml', needle: 'name:', field: 'name' },
  'kebab-case',
);
corpus(
  'a technique in words',
  { 'c/corpus.yaml': CORPUS, 'c/e.jsonl': `${entry()}\n${entry({ id: 'ours-2', technique: 'Ignore Previous' })}\n` },
  'c',
  { file: 'c/e.jsonl', needle: 'Ignore Previous', field: 'technique' },
  'kebab-case',
);
corpus('an entry without a goal', { 'c/corpus.yaml': CORPUS, 'c/e.jsonl': `${entry({}, ['goal'])}\n` }, 'c', {
  file: 'c/e.jsonl',
  needle: 'ours-1',
  field: 'goal',
});
corpus(
  'a goal of an unknown action',
  { 'c/corpus.yaml': CORPUS, 'c/e.jsonl': `${entry({ goal: { action: 'dance' } })}\n` },
  'c',
  { file: 'c/e.jsonl', needle: 'dance', field: 'goal.action' },
  'a goal needs an action',
);
corpus(
  'both text and parts',
  { 'c/corpus.yaml': CORPUS, 'c/e.jsonl': `${entry({ parts: ['a {goal}', 'b'] })}\n` },
  'c',
  { file: 'c/e.jsonl', needle: 'parts', field: 'text' },
  'exactly one',
);
corpus(
  'tags without an OWASP id',
  { 'c/corpus.yaml': CORPUS, 'c/e.jsonl': `${entry({ tags: ['mine'] })}\n` },
  'c',
  { file: 'c/e.jsonl', needle: 'mine', field: 'tags' },
  'OWASP',
);
corpus(
  'an unknown placeholder',
  { 'c/corpus.yaml': CORPUS, 'c/e.jsonl': `${entry({ text: 'Do {nope}' })}\n` },
  'c',
  { file: 'c/e.jsonl', needle: 'nope', field: 'text' },
  'unknown placeholder',
);
corpus(
  'a duplicate entry id',
  { 'c/corpus.yaml': CORPUS, 'c/e.jsonl': `${entry()}\n${entry({ technique: 'fake-system' })}\n` },
  'c',
  { file: 'c/e.jsonl', needle: 'fake-system', field: 'id' },
  'duplicate entry id',
);
corpus(
  'a line that is not JSON',
  { 'c/corpus.yaml': CORPUS, 'c/e.jsonl': `${entry()}\n{oops\n` },
  'c',
  { file: 'c/e.jsonl', needle: '{oops' },
  'invalid JSON',
);
corpus('no entries', { 'c/corpus.yaml': CORPUS }, 'c', { file: 'c/corpus.yaml', line: false }, 'no entries');
corpus(
  'an entry file that is not a list',
  { 'c/corpus.yaml': CORPUS, 'c/e.yaml': 'id: x\ntechnique: y\n' },
  'c',
  { file: 'c/e.yaml', needle: 'id: x' },
  'must hold a list',
);
corpus(
  'an entry with an unknown field',
  { 'c/corpus.yaml': CORPUS, 'c/e.jsonl': `${entry({ severity: 'high' })}\n` },
  'c',
  { file: 'c/e.jsonl', needle: 'severity', field: 'severity' },
  'unknown field',
);
corpus('an entry delay past its cap', { 'c/corpus.yaml': CORPUS, 'c/e.jsonl': `${entry({ delay: 9 })}\n` }, 'c', {
  file: 'c/e.jsonl',
  needle: 'delay',
  field: 'delay',
});
corpus(
  'a bad entry, validated as a file',
  { 'c/corpus.yaml': CORPUS, 'c/e.jsonl': `${entry()}\n${entry({ id: 'ours-2', tags: [] })}\n` },
  'c/e.jsonl',
  { file: 'c/e.jsonl', needle: 'ours-2', field: 'tags' },
);
corpus(
  'its corpus.yaml validated as a file',
  { 'c/corpus.yaml': CORPUS.replace('version: 1.0.0\n', ''), 'c/e.jsonl': `${entry()}\n` },
  'c/corpus.yaml',
  { file: 'c/corpus.yaml', needle: 'name:', field: 'version' },
);
corpus('a folder with nothing to check', { 'notes/readme.txt': 'hi\n' }, 'notes', { file: 'notes', line: false }, 'nothing to check here');
corpus('a path that is not there', {}, 'nowhere', { file: 'nowhere', line: false }, 'no such file or folder');

// ── Cassettes, through `validate FILE` ──
const cassette = (name: string, text: string, needle: string, field: string | undefined, says?: string | RegExp, file = 'c.jsonl') =>
  add({ name: `cassette: ${name}`, files: { [file]: text }, argv: ['validate', file], where: { file, needle, field }, says });
cassette('a line that is not JSON', `${CHAT({ content: 'hi' })}\n{oops\n`, '{oops', undefined, 'invalid JSON');
cassette('an answer of no known shape', `${CHAT({ content: 'hi' })}\n{"choices": "x"}\n`, '"x"', undefined, 'not a recorded model answer');
cassette('a choice without a message', `${JSON.stringify({ choices: [{}] })}\n`, 'choices', 'choices[0].message', 'no message');
cassette(
  'a tool call without a name',
  `${CHAT({ tool_calls: [{ function: { arguments: '{}' } }] })}\n`,
  'tool_calls',
  'choices[0].message.tool_calls[0].function.name',
  'needs a name',
);
cassette(
  'arguments that are not text',
  `${CHAT({ tool_calls: [{ function: { name: 'read_ticket', arguments: {} } }] })}\n`,
  'tool_calls',
  'choices[0].message.tool_calls[0].function.arguments',
  'JSON text',
);
cassette(
  'a tool call named as a role',
  `${CHAT({ tool_calls: [{ function: { name: '@forbidden', arguments: '{}' } }] })}\n`,
  'tool_calls',
  'choices[0].message.tool_calls[0].function.name',
  'role',
);
cassette(
  'an Anthropic tool_use without input',
  `${JSON.stringify({ content: [{ type: 'tool_use', name: 'read_ticket' }] })}\n`,
  'tool_use',
  'content[0].input',
  'input object',
);
cassette('a YAML list of nothing we know', '- 1\n- 2\n', '- 1', undefined, 'neither corpus entries nor recorded model answers', 'c.yaml');
add({
  name: 'scenario: a replay whose cassette is bad',
  files: {
    [S]: 'id: authz/mine\ntitle: Mine\npack: authorization\ncontrols: [authz.forbidden]\nmodel:\n  policy: replay\n  cassette: c.jsonl\n',
    'c.jsonl': `${CHAT({ content: 'hi' })}\n${CHAT({ tool_calls: [{ function: { arguments: '{}' } }] })}\n`,
  },
  argv: ['validate', S],
  where: { file: 'c.jsonl', needle: 'tool_calls', field: 'choices[0].message.tool_calls[0].function.name' },
  says: 'needs a name',
});

// ── What only the whole suite shows: validate plans it as run does ──
const INJECTION = (filter: string) =>
  `id: security/ours\ntitle: Ours\npack: security\ncontrols: [security.injection]\nmodel: { policy: obedient }\ninjection:\n  ${filter}\n  carriers: [ticket]\n`;
add({
  name: 'suite: a scenario id that clashes with a built-in one',
  files: { [S]: scenario('id: authz/mine', 'id: authz/forbidden-after-read') },
  argv: ['validate', S],
  where: { file: S, needle: 'id:', field: 'id' },
  says: 'duplicate scenario id "authz/forbidden-after-read"',
});
add({
  name: 'suite: run with a scenario root that clashes with a built-in id',
  files: { [M]: MANIFEST, 'mine/authorization/x.yaml': scenario('id: authz/mine', 'id: authz/forbidden-after-read') },
  argv: ['run', '--scenarios', 'mine'],
  where: { file: 'mine/authorization/x.yaml', needle: 'id:', field: 'id' },
  says: 'duplicate scenario id',
});
add({
  name: 'suite: an unknown corpus',
  files: { 's.yaml': INJECTION('corpus: nope') },
  argv: ['validate', 's.yaml'],
  where: { file: 's.yaml', needle: 'corpus: nope', field: 'injection.corpus' },
  says: 'unknown corpus "nope"',
});
add({
  name: 'suite: a technique filter that matches nothing',
  files: { 's.yaml': INJECTION('techniques: [interpretive-dance]') },
  argv: ['validate', 's.yaml'],
  where: { file: 's.yaml', needle: 'techniques', field: 'injection.techniques[0]' },
  says: 'no entry of corpus "injections" has the technique "interpretive-dance"',
});
add({
  name: 'suite: a tag filter that matches nothing',
  files: { 's.yaml': INJECTION('tags: [LLM10-nothing]') },
  argv: ['validate', 's.yaml'],
  where: { file: 's.yaml', needle: 'tags', field: 'injection.tags[0]' },
});
add({
  name: 'suite: an entries filter that matches nothing',
  files: { 'security/s.yaml': INJECTION('entries: [no-such-entry]').replace('pack: security\n', '') },
  argv: ['validate', 'security'],
  where: { file: 'security/s.yaml', needle: 'entries', field: 'injection.entries[0]' },
  says: 'has the id "no-such-entry"',
});
add({
  name: 'suite: a corpus of the same name as the built-in one',
  files: { 'c/corpus.yaml': CORPUS.replace('name: ours', 'name: injections'), 'c/e.jsonl': `${entry()}\n` },
  argv: ['validate', 'c'],
  where: { file: 'c/corpus.yaml', needle: 'name:', field: 'name' },
  says: 'duplicate corpus name "injections"',
});
add({
  name: 'suite: two corpora of one name in a folder of corpora',
  files: { 'all/a/corpus.yaml': CORPUS, 'all/a/e.jsonl': `${entry()}\n`, 'all/b/corpus.yaml': CORPUS, 'all/b/e.jsonl': `${entry()}\n` },
  argv: ['validate', 'all'],
  where: { file: 'all/b/corpus.yaml', needle: 'name:', field: 'name' },
  says: 'duplicate corpus name "ours"',
});
add({
  name: 'suite: a manifest whose corpus the scenario does not find',
  files: { [M]: MANIFEST, 's.yaml': INJECTION('corpus: ours') },
  argv: ['validate', M, 's.yaml'],
  where: { file: 's.yaml', needle: 'corpus: ours', field: 'injection.corpus' },
  says: 'unknown corpus "ours"',
});
add({
  name: 'suite: two scenario files of one id',
  files: { 'a.yaml': SCENARIO, 'b.yaml': SCENARIO },
  argv: ['validate', 'a.yaml', 'b.yaml'],
  where: { file: 'b.yaml', needle: 'id:', field: 'id' },
  says: 'duplicate scenario id "authz/mine"',
});

// ── Flags ──
const flag = (name: string, argv: string[], flagName: string, says?: string | RegExp, files: BadCase['files'] = { [M]: MANIFEST }) =>
  add({ name: `flag: ${name}`, files, argv, where: { flag: flagName }, says });
flag('a timeout past 2^31-1 ms', ['run', '--timeout', '2147483648'], '--timeout', '2147483647');
flag('a zero timeout', ['run', '--timeout', '0'], '--timeout');
flag('a timeout with a unit', ['run', '--timeout', '5s'], '--timeout');
flag('a timeout in hex', ['run', '--timeout', '0x10'], '--timeout');
flag('a huge concurrency', ['run', '--concurrency', '100000'], '--concurrency', '256');
flag('a negative seed', ['run', '--seed', '-1'], '--seed');
flag('a fractional seed', ['run', '--seed', '1.5'], '--seed');
flag('a seed past 2^53', ['run', '--seed', '9007199254740993'], '--seed');
flag('shard 0 of 2', ['run', '--shard', '0/2'], '--shard');
flag('an unknown pack', ['run', '--pack', 'chaos'], '--pack');
flag('zero samples', ['run', '--sample', '0'], '--sample');
flag('zero fuzz runs', ['run', '--fuzz-runs', '0'], '--fuzz-runs');
flag('a fuzz path in words', ['run', '--fuzz-path', 'first'], '--fuzz-path');
flag('an unknown adapter', ['run', '--adapter', 'thread'], '--adapter');
flag('an unknown option', ['run', '--bogus'], '--bogus');
flag('a scenarios folder that is not there', ['run', '--scenarios', 'missing'], '--scenarios', 'no such folder');
flag('a scenarios "folder" that is a file', ['run', '--scenarios', M], '--scenarios', 'is a file');
flag('a pack folder given as scenarios', ['run', '--scenarios', 'mine/authorization'], '--scenarios', 'is a pack folder', {
  [M]: MANIFEST,
  'mine/authorization/x.yaml': SCENARIO,
});
flag('a scenarios folder without packs', ['run', '--scenarios', 'mine'], '--scenarios', 'no pack folder', {
  [M]: MANIFEST,
  'mine/x.yaml': SCENARIO,
});
flag('a corpus folder that is not there', ['run', '--corpus', 'missing'], '--corpus', 'no such folder');
flag('a corpus folder without corpus.yaml', ['run', '--corpus', 'notes'], '--corpus', 'not a corpus', {
  [M]: MANIFEST,
  'notes/a.txt': 'x',
});
flag('--json naming a folder', ['run', '--json', 'out'], '--json', 'is a folder', { [M]: MANIFEST, 'out/keep': '' });
flag('--junit naming a folder', ['run', '--junit', 'out'], '--junit', 'is a folder', { [M]: MANIFEST, 'out/keep': '' });
flag('--report below a file', ['run', '--report', `${M}/readiness.md`], '--report', 'is a file');
flag('--json and --junit naming one file', ['run', '--json', 'r.out', '--junit', 'r.out'], '--junit', 'the same file');
flag('a reporter that is not there', ['run', '--reporter', '$DIR/nope.js'], 'reporter', 'unknown reporter');
flag('a reporter whose factory throws', ['run', '--reporter', '$DIR/throws.mjs'], 'reporter', 'its factory threw: no webhook configured', {
  [M]: MANIFEST,
  'throws.mjs': "export default () => { throw new Error('no webhook configured'); };\n",
});
flag('a reporter without a default export', ['run', '--reporter', '$DIR/none.mjs'], 'reporter', 'no default export', {
  [M]: MANIFEST,
  'none.mjs': 'export const x = 1;\n',
});
flag('a reporter factory that returns nothing', ['run', '--reporter', '$DIR/empty.mjs'], 'reporter', 'returned no reporter', {
  [M]: MANIFEST,
  'empty.mjs': 'export default () => undefined;\n',
});
flag('a reporter module that does not parse', ['run', '--reporter', '$DIR/broken.mjs'], 'reporter', 'cannot load', {
  [M]: MANIFEST,
  'broken.mjs': 'export default (() => {\n',
});
flag(
  'a reporter that throws when the run starts',
  ['run', '--reporter', '$DIR/hook.mjs'],
  'reporter "hook"',
  'failed in onRunStart: no webhook URL',
  {
    [M]: MANIFEST,
    'hook.mjs': "export default () => ({ name: 'hook', onRunStart() { throw new Error('no webhook URL'); } });\n",
  },
);
flag('a case that matches nothing', ['run', '--case', 'authz/nothing-like-this'], '--case', 'no case matches');
flag('list with a scenarios folder that is not there', ['list', '--scenarios', 'missing'], '--scenarios', 'no such folder');
flag('validate with a corpus folder that is not there', ['validate', '--corpus', 'missing'], '--corpus', 'no such folder');
flag('report merge writing JSON to a folder', ['report', 'merge', 'a.json', '--json', 'out'], '--json', 'is a folder', { 'out/keep': '' });
flag(
  'mcp-server with a scenarios folder that is not there',
  ['mcp-server', '--scenario', 'x', '--scenarios', 'missing'],
  '--scenarios',
  'no such folder',
);
flag('an unknown command', ['explode'], 'explode');

add({
  name: 'suite: a bad --config and a bad scenario, both reported',
  files: { [M]: manifest('forbidden: [delete_repo]', 'forbidden: [drop_db]'), [S]: scenario('authz.forbidden', 'authz.nope') },
  argv: ['validate', '--config', M, S],
  where: { file: M, needle: 'forbidden:', field: 'tools.forbidden[0]' },
  says: /mine\.yaml:4:\d+: controls\[0\]: unknown control "authz\.nope"/,
});

// ── Files taken for what they hold, not for their names ──
add({
  name: 'content: a manifest named agent.json, with a mistake',
  files: { 'agent.json': edit(MANIFEST_JSON, '"tool_calls_per_run": 5', '"tool_calls_per_run": 0') },
  argv: ['validate', 'agent.json'],
  where: { file: 'agent.json', needle: 'tool_calls_per_run', field: 'budgets.tool_calls_per_run' },
});
add({
  name: 'content: a manifest named bot.yaml, with a mistake',
  files: { 'bot.yaml': manifest('forbidden: [delete_repo]', 'forbidden: [drop_db]') },
  argv: ['validate', 'bot.yaml'],
  where: { file: 'bot.yaml', needle: 'forbidden:', field: 'tools.forbidden[0]' },
  says: 'unknown tool "drop_db"',
});
add({
  name: 'content: a manifest that is not UTF-8',
  files: { [M]: Buffer.from(manifest('id: bot', 'id: b\u00e9t'), 'latin1') },
  argv: ['validate', M],
  where: { file: M, needle: 'id: b' },
  says: 'not UTF-8',
});
add({
  name: 'content: a manifest that is a folder',
  files: { 'conf/keep': '' },
  argv: ['run', '--config', 'conf'],
  where: { file: 'conf', line: false },
  says: 'a folder, not a file',
});

function capture() {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

function lineOf(text: string, needle: string): number {
  const at = text.indexOf(needle);
  if (at === -1) throw new Error(`fixture: "${needle}" is not in the file`);
  return text.slice(0, at).split('\n').length;
}

describe('the bad-input campaign', () => {
  it('holds at least 120 distinct cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(120);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    expect(new Set(cases.map((c) => JSON.stringify([c.files, c.argv]))).size).toBe(cases.length);
  });

  for (const [i, c] of cases.entries()) {
    it(c.name, { timeout: 60_000 }, async () => {
      const dir = join(tmp, `case-${i}`);
      mkdirSync(dir, { recursive: true });
      for (const [name, text] of Object.entries(c.files)) {
        mkdirSync(dirname(join(dir, name)), { recursive: true });
        writeFileSync(join(dir, name), text);
      }
      const out = capture();
      const err = capture();
      const argv = c.argv.map((a) => a.replaceAll('$DIR', dir));
      const code = await main(argv, { stdout: out.stream, stderr: err.stream, cwd: dir });
      const stderr = err.text();
      const all = out.text() + stderr;
      expect(code, `exit code; stderr:\n${stderr}`).toBe(2);
      expect(all, 'no stack trace').not.toMatch(/^\s+at .+[:(]/m);
      expect(all).not.toMatch(/internal error/);
      if ('flag' in c.where) {
        expect(stderr).toContain(c.where.flag);
      } else {
        const { file, needle, field } = c.where;
        if (c.where.line === false) expect(stderr).toContain(file);
        else {
          const line = needle === undefined ? 1 : lineOf(String(c.files[file] ?? ''), needle);
          expect(stderr, `${file}:${line}`).toMatch(new RegExp(`${escapeRegExp(file)}:${line}(:\\d+)?: `));
        }
        if (field !== undefined) expect(stderr).toContain(`: ${field}: `);
      }
      if (c.says !== undefined) {
        if (typeof c.says === 'string') expect(stderr).toContain(c.says);
        else expect(stderr).toMatch(c.says);
      }
    });
  }
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('validate takes each file for what it holds, and plans the suite as run does', () => {
  const good = join(tmp, 'good');
  const files: Record<string, string> = {
    'bot.json': MANIFEST_JSON,
    'ours.yaml': `${MANIFEST}corpora: [./c]\n`,
    'authorization/mine.yaml': SCENARIO.replace('pack: authorization\n', ''),
    'c/corpus.yaml': CORPUS,
    'c/entries/e.jsonl': `${entry()}\n`,
    'answers.jsonl': `${CHAT({ tool_calls: [{ function: { name: 'read_ticket', arguments: '{}' } }] })}\n${CHAT({ content: 'done' })}\n`,
  };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(good, name)), { recursive: true });
    writeFileSync(join(good, name), text);
  }
  const validate = async (argv: string[]) => {
    const out = capture();
    const err = capture();
    const code = await main(['validate', ...argv], { stdout: out.stream, stderr: err.stream, cwd: good });
    return { code, stdout: out.text(), stderr: err.text() };
  };

  it('accepts a manifest, a scenario, a pack folder, a corpus, an entry file and a cassette, whatever their names', {
    timeout: 120_000,
  }, async () => {
    const r = await validate(['bot.json', 'authorization/mine.yaml', 'authorization', 'c', 'c/entries/e.jsonl', 'answers.jsonl']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok: \d+ file/);
  });

  it('reads one corpus once when the manifest and --corpus both name it', { timeout: 120_000 }, async () => {
    const r = await validate(['ours.yaml', '--corpus', 'c']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});
