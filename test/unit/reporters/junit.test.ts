import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { junitReporter } from '../../../reporters/junit.js';
import { drive, sampleCases, useTempDir } from './fixtures.js';

const tempDir = useTempDir();

async function junitXml(cases = sampleCases(), name = 'junit.xml'): Promise<string> {
  const file = join(tempDir(), 'nested', name);
  await drive(junitReporter({ file }), cases);
  return readFileSync(file, 'utf8');
}

const stripTimes = (xml: string): string => xml.replace(/ (time|timestamp)="[^"]*"/g, '');

/** The XML of one test case, found by case id. */
function testcase(xml: string, id: string): string {
  const match = new RegExp(`<testcase [^>]*name="${id.replaceAll('.', '\\.')}:[\\s\\S]*?</testcase>`).exec(xml);
  if (!match) throw new Error(`no testcase ${id}`);
  return match[0];
}

describe('junit reporter', () => {
  it('writes one suite per section, in the fixed section order', async () => {
    const xml = await junitXml();
    const suites = [...xml.matchAll(/<testsuite name="([^"]+)"/g)].map((m) => m[1]);
    expect(suites).toEqual(['agent-chaos.identity', 'agent-chaos.authorization', 'agent-chaos.budgets', 'agent-chaos.security']);
    expect(xml).toMatch(/<testsuites name="agent-chaos" tests="5" failures="1" errors="1" skipped="1">/);
  });

  it('keeps plan order within a suite, and names cases by id and title with classname and time', async () => {
    const xml = await junitXml();
    const identity = /<testsuite name="agent-chaos.identity"[\s\S]*?<\/testsuite>/.exec(xml)?.[0] ?? '';
    const names = [...identity.matchAll(/<testcase classname="agent-chaos.identity" name="([^"]+)" time="([^"]+)"/g)];
    expect(names.map((m) => [m[1], m[2]])).toEqual([
      ['identity.kill-switch.revoke: Case identity.kill-switch.revoke', '0.012'],
      ['identity.own-principal.basic: Case identity.own-principal.basic', '0.016'],
    ]);
  });

  it('adds control, seed, replay, adapter and figure properties', async () => {
    const passed = testcase(await junitXml(), 'identity.kill-switch.revoke');
    expect(passed).toContain('<property name="control" value="identity.kill-switch"/>');
    expect(passed).toContain('<property name="seed" value="42"/>');
    expect(passed).toContain('<property name="case_seed" value="1000"/>');
    expect(passed).toContain('<property name="replay" value="npx agent-chaos run --seed 42 --case identity.kill-switch.revoke"/>');
    expect(passed).toContain('<property name="adapter" value="process"/>');
    expect(passed).toContain('<property name="figure.steps_to_stop" value="1"/>');
    expect(passed).toContain('<property name="figure.ms_to_stop" value="40"/>');
  });

  it('reports a failure with the control id, every failing finding with its evidence, and the replay command', async () => {
    const failed = testcase(await junitXml(), 'authz.default-deny.hallucinated');
    expect(failed).toContain(
      '<failure message="authz.default-deny: tool &quot;drop_db&quot; ran on the backend although it is not in tools.allow" type="authz.default-deny">',
    );
    expect(failed).toContain('ledger ledger#12: POST /tools/drop_db {"confirm":true}');
    expect(failed).toContain('audit audit:3: no tool.denied for drop_db');
    expect(failed).toContain('replay: npx agent-chaos run --seed 42 --case authz.default-deny.hallucinated');
  });

  it('keeps hostile evidence from closing the CDATA section', async () => {
    const cases = sampleCases();
    const failing = cases[1]?.findings[0];
    if (!failing) throw new Error('fixture');
    failing.evidence.push({ source: 'output', ref: 'stdout', excerpt: 'a ]]> b ]]> <x/>' });
    const failed = testcase(await junitXml(cases), 'authz.default-deny.hallucinated');
    const body = /<failure [^>]*><!\[CDATA\[([\s\S]*?)\]\]><\/failure>/.exec(failed)?.[1] ?? '';
    expect(body).toContain('stdout: a ]]&gt; b ]]&gt; <x/>');
    expect(body).not.toContain(']]>');
  });

  it('reports an error with its kind, message and stderr tail', async () => {
    const errored = testcase(await junitXml(), 'budget.tool-calls.loop');
    expect(errored).toContain('<error message="agent exited with code 1" type="crash">');
    expect(errored).toContain('TypeError: x is undefined');
    expect(errored).toContain('at main (agent.js:3)');
  });

  it('reports a skipped case with its reason', async () => {
    const skipped = testcase(await junitXml(), 'security.no-leak.markdown');
    expect(skipped).toContain('<skipped message="the manifest allows no tool that returns documents"/>');
  });

  it('gives the same bytes for the same run, apart from time attributes', async () => {
    const first = await junitXml(sampleCases(), 'a.xml');
    const slower = sampleCases().map((result) => ({ ...result, durationMs: result.durationMs * 7 }));
    const second = await junitXml(slower, 'b.xml');
    expect(second).not.toEqual(first);
    expect(stripTimes(second)).toEqual(stripTimes(first));
    expect(first).not.toMatch(/hostname/);
  });
});
