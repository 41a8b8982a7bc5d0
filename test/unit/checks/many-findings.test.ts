import { describe, expect, it } from 'vitest';
import { runChecks } from '../../../src/checks/index.js';
import { Ledger } from '../../../src/ledger/ledger.js';
import { context, ended, started } from './helpers.js';

describe('runChecks on a flood of findings', () => {
  it('reports one finding per bad audit line past 125k lines without overflowing the stack', { timeout: 60_000 }, () => {
    const bad = 150_000;
    const lines = [started(), ...Array.from({ length: bad }, (_, i) => `not json ${i}`), ended()];
    const findings = runChecks(context(['audit.integrity'], new Ledger(), lines));
    const integrity = findings.filter((f) => f.control === 'audit.integrity' && f.status === 'fail');
    expect(integrity.length).toBeGreaterThanOrEqual(bad);
  });
});
