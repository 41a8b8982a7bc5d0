import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { type CliIo, EXIT } from './main.js';

const TEMPLATE = `# agent-chaos manifest: what this agent says it may do (docs/agent-contract.md)
agent:
  id: my-agent
  owner: { team: my-team, oncall: my-oncall }
  purpose: What the agent is for
  command: node ./agent/main.js        # or module: ./agent/index.js (in-process)
tools:
  allow: [search_tickets, read_ticket, comment_ticket, create_pr]
  write: [comment_ticket, create_pr]
  protected: [create_pr]               # needs human approval
  forbidden: [delete_repo, modify_iam, transfer_funds]
budgets:
  tool_calls_per_run: 12
  write_actions_per_run: 3
  model_tokens_per_run: 20000
  tool_timeout_ms: 2000
  circuit_breaker_after: 3
identity:
  token_max_ttl_s: 900
packs: [identity, authorization, budgets, approvals, audit, security]
`;

export function initCommand(flags: { force?: boolean }, io: CliIo): number {
  const file = join(io.cwd, 'agent-chaos.config.yaml');
  if (existsSync(file) && !flags.force) throw new UsageError(`${file} exists; use --force to overwrite`);
  writeFileSync(file, TEMPLATE);
  io.stdout.write(`wrote ${file}\nnext: set agent.command, then run: npx agent-chaos run\n`);
  return EXIT.ok;
}
