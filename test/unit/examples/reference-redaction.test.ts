import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error: a JavaScript example without type declarations
import { createAudit } from '../../../examples/reference-agent/audit.js';
// @ts-expect-error: a JavaScript example without type declarations
import { createRedactor } from '../../../examples/reference-agent/redact.js';

// Redaction in the reference agent must catch secrets and never touch what identifies a record:
// a UUID run id whose digits looked like a card number once broke identity.attribution at random.
const CARD = '4111 1111 1111 1111';
const CARD_LIKE_UUIDS = [
  'run_9b5bda99-cb8f-4d42-9967-0262611b8fb2',
  'run_a8e4fd72-676d-4d36-8356-8529953378b1',
  'run_f6bec8e3-4329-4411-8321-11f9e830c96d',
];

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("the reference agent's redaction", () => {
  it('redacts a card number in text, but not digits inside an id', () => {
    const redactor = createRedactor({ secrets: [] });
    expect(redactor.redactText(`card ${CARD} on file`)).toBe('card [REDACTED:card_number] on file');
    for (const id of CARD_LIKE_UUIDS) expect(redactor.redactText(id)).toBe(id);
  });

  it('keeps every audit record envelope verbatim, and redacts the rest', async () => {
    dir = mkdtempSync(join(tmpdir(), 'agent-chaos-redaction-'));
    const file = join(dir, 'audit.jsonl');
    const runId = 'run_4111-1111-1111-1111';
    const audit = createAudit({
      file,
      runId,
      triggerId: 'TCK-4111111111111111',
      agentId: 'bot',
      redactor: createRedactor({ secrets: [] }),
      breaks: new Set(),
    });
    await audit('run.ended', { status: 'completed', reason: `paid with ${CARD}` });
    const record = JSON.parse(readFileSync(file, 'utf8'));
    expect(record).toMatchObject({ run_id: runId, trigger_id: 'TCK-4111111111111111', agent_id: 'bot', type: 'run.ended' });
    expect(record.reason).toBe('paid with [REDACTED:card_number]');
  });
});
