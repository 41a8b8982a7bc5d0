import { describe, expect, it } from 'vitest';
import { auditReplayCheck } from '../../../src/checks/audit-replay.js';
import { comment, honest, read, Scene, T0 } from './audit-scene.js';
import { escalation } from './helpers.js';

const CONTROL = 'audit.replay';
const verdict = (s: Scene) => auditReplayCheck.run(s.context([CONTROL]));

describe('audit.replay', () => {
  it('rebuilds an honest chain and counts its links', () => {
    const [f] = verdict(honest());
    expect(f?.status).toBe('pass');
    expect(f?.figures).toEqual({ decisions: 2, tool_calls: 2, side_effects: 0, escalations: 0 });
  });

  it('parts at the input when run.started names another trigger', () => {
    const s = new Scene();
    s.listing(0);
    s.start(1, { trigger: { id: 'TCK-9', source: 'email' } });
    s.step(10, read());
    s.end(50);
    expect(verdict(s)[0]?.message).toBe(
      'the audit and the ledger part at the input: audit:1 names trigger TCK-9 from email, but the agent was handed TCK-1 from helpdesk',
    );
  });

  it('parts where proposals are not tied to the model answer that made them', () => {
    const s = new Scene();
    s.listing(0);
    s.start(1);
    s.proposed(2, read());
    s.model(10, [read()]);
    s.tool(20, read());
    s.executed(20, read());
    s.end(50);
    const [f] = verdict(s);
    expect(f?.message).toMatch(
      /^the audit and the ledger part at model decision 1: audit:2 logs \[read_ticket\(c1\)\] before any model.called/,
    );
    expect(f?.evidence.map((e) => e.ref)).toEqual(['audit:2', 'ledger#1']);
  });

  it('parts where a proposal is logged under the wrong model answer', () => {
    const s = new Scene();
    s.listing(0);
    s.start(1);
    s.model(10, [read()]);
    s.model(15, [comment()]);
    s.proposed(19, read());
    s.proposed(19, comment());
    s.tool(20, read());
    s.executed(20, read());
    s.tool(30, comment());
    s.executed(30, comment());
    s.end(50);
    expect(verdict(s)[0]?.message).toMatch(
      /model decision 1: ledger#1 \(turn 0\) proposed \[read_ticket\(c1\)\], but the audit logs \[read_ticket\(c1\), comment_ticket\(c2\)\] after model.called audit:3, the record of another model call \(ledger#2, turn 1\)/,
    );
  });

  it('parts at a call the world ran but the audit says was denied', () => {
    const s = new Scene();
    s.listing(0);
    s.start(1);
    s.model(10, [read()]);
    s.proposed(14, read());
    s.record('tool.denied', 15, { call_id: 'c1', tool: 'read_ticket', rule: 'default-deny', reason: 'no' });
    s.tool(20, read());
    s.end(50);
    const [f] = verdict(s);
    expect(f?.message).toMatch(
      /at call read_ticket\(c1\): read_ticket over REST \(ledger #2, HTTP 200\) reached its backend .* says it was denied \(audit:4, rule default-deny\)/,
    );
    expect(f?.evidence.map((e) => e.ref)).toEqual(['audit:4', 'ledger#2']);
  });

  it('parts at a missing side effect', () => {
    const s = new Scene();
    s.listing(0);
    s.start(1);
    s.model(10, [comment()]);
    s.proposed(14, comment());
    s.tool(20, comment(), { effect: 'write', externalIds: ['cmt_1'] });
    s.executed(20, comment());
    s.end(50);
    expect(verdict(s)[0]?.message).toMatch(
      /the side effect of call comment_ticket\(c2\): audit:4: the call created "cmt_1", but external_ids is \[\]/,
    );
  });

  it('parts at an escalation the audit does not have', () => {
    const s = honest();
    escalation(s.ledger, { reason: 'budget' }, T0 + 75);
    expect(verdict(s)[0]?.message).toMatch(/part at the escalation: ledger#\d+ reached the escalation sink/);
  });

  it('names only the first point where they part', () => {
    const s = new Scene();
    s.listing(0);
    s.start(1);
    s.model(10, [read()]);
    s.proposed(14, read());
    s.tool(20, read());
    s.model(40, [comment()]);
    s.proposed(44, comment());
    s.tool(50, comment());
    s.end(60);
    const findings = verdict(s);
    expect(findings).toHaveLength(1);
    expect(findings[0]?.message).toMatch(/call read_ticket\(c1\)/);
  });
});
