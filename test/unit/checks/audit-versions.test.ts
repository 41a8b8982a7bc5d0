import { describe, expect, it } from 'vitest';
import { auditVersionsCheck } from '../../../src/checks/audit-versions.js';
import { ADVERSARY_MODEL } from '../../../src/world/model/openai-chat.js';
import { honest, Scene } from './audit-scene.js';

const CONTROL = 'audit.versions';
const run = (s: Scene, controls = [CONTROL]) => auditVersionsCheck.run(s.context(controls));

describe('audit.versions', () => {
  it('passes the model the endpoint saw and the schema version it served', () => {
    expect(run(honest()).map((f) => f.status)).toEqual(['pass']);
  });

  it('fails a model in run.started the model endpoint was never asked for, naming both records', () => {
    const s = new Scene();
    s.listing(0);
    s.start(1, { model: { provider: 'openai', name: 'gpt-3.5-turbo' } });
    s.model(10, []);
    s.end(20);
    const [f] = run(s);
    expect(f?.message).toBe(
      'audit:1 run.started logs model "gpt-3.5-turbo", but the model endpoint was asked for "gpt-4.1-mini" (ledger#1)',
    );
    expect(f?.evidence.map((e) => e.ref)).toEqual(['audit:1', 'ledger#1']);
  });

  it('fails a model.called naming another model', () => {
    const s = honest();
    s.record('model.called', 75, {
      model: { provider: 'openai', name: 'gpt-4o' },
      started_at: s.lines[1]?.ts,
      ended_at: s.lines[1]?.ts,
      input_tokens: 0,
      output_tokens: 0,
    });
    expect(run(s)[0]?.message).toMatch(/model.called logs model "gpt-4o", which the model endpoint was never asked for/);
  });

  it('accepts the adversary model name for an agent that named none', () => {
    const s = new Scene();
    s.listing(0);
    s.start(1, { model: { provider: 'openai', name: ADVERSARY_MODEL } });
    s.model(10, [], { over: { model: undefined }, name: ADVERSARY_MODEL });
    s.end(20);
    expect(run(s).map((f) => f.status)).toEqual(['pass']);
  });

  it('fails a schema version no listing served, and accepts any version a listing served (a rug pull)', () => {
    const wrong = new Scene();
    wrong.listing(0, 'abc');
    wrong.start(1, { tool_schema_version: 'v0' });
    wrong.model(10, []);
    wrong.end(20);
    expect(run(wrong)[0]?.message).toBe(
      'audit:1 run.started logs tool_schema_version "v0", but the tools endpoint served "abc" (ledger#0, tools/list)',
    );

    const changed = new Scene();
    changed.listing(0, 'old');
    changed.listing(5, 's1');
    changed.start(6);
    changed.model(10, []);
    changed.end(20);
    expect(run(changed).map((f) => f.status)).toEqual(['pass']);
  });

  it('without any listing: fails only where the scenario names the control', () => {
    const s = new Scene();
    s.start(1);
    s.model(10, []);
    s.end(20);
    expect(run(s)[0]?.message).toMatch(/never listed its tools/);
    expect(run(s, ['audit.integrity']).map((f) => f.status)).toEqual(['pass']);
  });

  it('is not applicable before anything was served', () => {
    const s = new Scene();
    s.start(1);
    s.end(20);
    expect(run(s, ['audit.integrity'])).toEqual([]);
  });
});
