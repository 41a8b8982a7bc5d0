import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { limitsCheck } from '../../../src/checks/harness-limits.js';
import type { CheckContext } from '../../../src/checks/types.js';
import { Ledger } from '../../../src/ledger/ledger.js';
import { parseAudit, readAuditFile } from '../../../src/world/audit-intake.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'audit-read-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const record = (type: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ ts: '2026-12-01T10:00:00.000Z', run_id: 'r1', trigger_id: 't1', agent_id: 'a', type, ...extra });
const ended = record('run.ended', { status: 'completed' });
const escalated = record('escalated', { reason: 'x', target: 'oncall' });

async function file(content: string | Buffer): Promise<string> {
  const path = join(dir, 'audit.jsonl');
  await writeFile(path, content);
  return path;
}

describe('readAuditFile', () => {
  it('reads what parseAudit parses: blank lines, CRLF, a last line without a newline', async () => {
    const text = `${escalated}\r\n\n  \n${ended}\nnot json\n${escalated}`;
    const read = await readAuditFile(await file(text));
    expect(read).toEqual(parseAudit(text));
    expect(read.lines.map((l) => [l.line, l.ok])).toEqual([
      [1, true],
      [4, true],
      [5, false],
      [6, true],
    ]);
  });

  it('makes a line with NUL bytes or bytes that are not UTF-8 an invalid line, and reads on', async () => {
    const nul = Buffer.from(`${escalated.slice(0, 20)}\0${escalated.slice(20)}\n`);
    const latin1 = Buffer.from([...Buffer.from('{"type":"escalated","reason":"caf'), 0xe9, ...Buffer.from('"}\n')]);
    const cut = Buffer.from([0xf0, 0x9f, 0x98, 0x0a]);
    const read = await readAuditFile(await file(Buffer.concat([nul, latin1, cut, Buffer.from(`\0\0\0\n${ended}\n`)])));
    expect(read.lines.map((l) => (l.ok ? 'ok' : l.problem.split(' (')[0]))).toEqual([
      'not JSON',
      'not valid UTF-8: the audit is UTF-8 JSON, one record per line',
      'not valid UTF-8: the audit is UTF-8 JSON, one record per line',
      'not JSON',
      'ok',
    ]);
    expect(read.lines[1]!.raw).toBe('{"type":"escalated","reason":"caf\uFFFD"}');
    expect(read.records.map((r) => r.type)).toEqual(['run.ended']);
    expect(read.limit).toBeUndefined();
  });

  it('stops at the byte limit without reading the rest, and says how far it read', async () => {
    const lines = Array.from({ length: 100 }, () => escalated);
    const path = await file(`${lines.join('\n')}\n`);
    const maxBytes = (escalated.length + 1) * 10 + 5;
    const read = await readAuditFile(path, { maxBytes, maxLines: 1000 });
    expect(read.lines).toHaveLength(10);
    expect(read.limit).toEqual({ kind: 'bytes', limit: maxBytes, bytes: maxBytes, lines: 10 });
    // A file of exactly the limit is whole.
    const exact = await readAuditFile(path, { maxBytes: (escalated.length + 1) * 100, maxLines: 100 });
    expect(exact.lines).toHaveLength(100);
    expect(exact.limit).toBeUndefined();
  });

  it('stops at the line limit, blank lines counted', async () => {
    const path = await file(`${escalated}\n\n${escalated}\n${escalated}\n${escalated}`);
    const read = await readAuditFile(path, { maxBytes: 1 << 20, maxLines: 3 });
    expect(read.lines.map((l) => l.line)).toEqual([1, 3]);
    expect(read.limit).toMatchObject({ kind: 'lines', limit: 3, lines: 3 });
  });

  it('reads one line longer than a chunk whole, and a single line past the byte limit not at all', async () => {
    const long = record('escalated', { reason: 'y'.repeat(200_000), target: 'oncall' });
    expect((await readAuditFile(await file(`${long}\n`))).records).toHaveLength(1);
    const cut = await readAuditFile(await file(`${long}\n`), { maxBytes: 100_000, maxLines: 10 });
    expect(cut.lines).toEqual([]);
    expect(cut.limit).toEqual({ kind: 'bytes', limit: 100_000, bytes: 100_000, lines: 0 });
  });

  it('never hangs on a FIFO or fails on a folder: one problem line says what the file is', async () => {
    const fifo = join(dir, 'fifo.jsonl');
    execFileSync('mkfifo', [fifo]);
    const fromFifo = await readAuditFile(fifo);
    expect(fromFifo.lines).toMatchObject([{ line: 1, ok: false, problem: expect.stringContaining('not a regular file') }]);
    const folder = join(dir, 'folder.jsonl');
    await mkdir(folder);
    expect((await readAuditFile(folder)).lines[0]).toMatchObject({ ok: false, problem: expect.stringContaining('not a regular file') });
    expect(await readAuditFile(join(dir, 'none.jsonl'))).toMatchObject({ missing: true, lines: [] });
  });

  it('a limit hit is a harness.limits failure naming the setting', async () => {
    const path = await file(`${escalated}\n${escalated}\n${escalated}\n`);
    const audit = await readAuditFile(path, { maxBytes: 1 << 20, maxLines: 2 });
    const findings = limitsCheck.run({ ledger: new Ledger(), audit } as unknown as CheckContext);
    expect(findings).toEqual([
      {
        control: 'harness.limits',
        status: 'fail',
        message: `the audit file is longer than run.limits.audit_max_lines (2 lines): the harness read 2 line(s), ${(escalated.length + 1) * 2} bytes, and left the rest unread`,
        evidence: [{ source: 'audit', ref: 'audit:2', excerpt: 'reading stopped at run.limits.audit_max_lines' }],
        figures: { audit_bytes_read: (escalated.length + 1) * 2, audit_lines_read: 2, limit: 2 },
      },
    ]);
  });
});
