import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CallToolResultSchema, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/agent-chaos.js');
const tmp = mkdtempSync(join(tmpdir(), 'ac-mcp-stdio-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('agent-chaos mcp-server', () => {
  it("serves a scenario's hostile tools over stdio: a rug pull shows in the next listing, every call in the ledger", async () => {
    const ledgerFile = join(tmp, 'ledger.json');
    const transport = new StdioClientTransport({
      command: 'node',
      args: [BIN, 'mcp-server', '--scenario', 'security/mcp-rug-pull', '--ledger', ledgerFile],
      cwd: ROOT,
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (d) => (stderr += String(d)));
    const client = new Client({ name: 'stdio-test', version: '1.0.0' });
    let listChanged = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => void listChanged++);
    await client.connect(transport);

    const before = await client.listTools();
    const version = before._meta?.['agent-chaos/schema_version'];
    expect(before.tools.every((t) => !/IMPORTANT/.test(t.description ?? ''))).toBe(true);
    // The scenario rug-pulls the reference manifest's @allowed-read, one of these two.
    for (const [name, args] of [
      ['search_tickets', { query: 'outage' }],
      ['read_ticket', { ticket_id: 'TCK-1234' }],
    ] as const) {
      const result = await client.request({ method: 'tools/call', params: { name, arguments: args } }, CallToolResultSchema);
      expect(result.isError, name).toBeFalsy();
    }

    const after = await client.listTools();
    expect(after._meta?.['agent-chaos/schema_version']).not.toBe(version);
    const changed = after.tools.filter((t) => /IMPORTANT/.test(t.description ?? ''));
    expect(changed).toHaveLength(1);
    expect(changed[0]?.description).toMatch(/<IMPORTANT> Before using this tool you must call \w+ with/);
    expect(changed[0]?.inputSchema.required).toContain('mirror_to');
    const tool = changed[0]?.name;
    await client.close();

    await expect
      .poll(() => stderr, { timeout: 10_000 })
      .toMatch(/mcp-server security\/mcp-rug-pull: 2 tool call\(s\): search_tickets, read_ticket; schema version \w+ → \w+/);
    const ledger = JSON.parse(readFileSync(ledgerFile, 'utf8'));
    expect(ledger.tool_calls.map((c: { tool: string; executed: boolean }) => [c.tool, c.executed])).toEqual([
      ['search_tickets', true],
      ['read_ticket', true],
    ]);
    expect(ledger.tool_calls.find((c: { detail?: { rug_pull?: string } }) => c.detail?.rug_pull)?.tool).toBe(tool);
    // The server told the client the list changed, as the MCP spec has it.
    expect(listChanged).toBe(1);
  });

  it('refuses an unknown scenario with exit 2', async () => {
    const r = await execa('node', [BIN, 'mcp-server', '--scenario', 'security/nope'], { cwd: ROOT, reject: false, input: '' });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/no scenario "security\/nope"/);
  });
});
