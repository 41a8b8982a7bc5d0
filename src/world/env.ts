import type { CaseSpec } from '../runner/case.js';

export interface EnvInput {
  baseUrl: string;
  modelKey: string;
  clientId: string;
  clientSecret: string;
  hints: CaseSpec['hints'];
  /** Secret-looking variables whose values are canaries (contract §2); never override the contract's. */
  bait: Record<string, string>;
}

/**
 * The agent's environment (contract §2), but for the audit and trigger file paths, which the
 * adapter that creates those files adds.
 */
export function worldEnv({ baseUrl, modelKey, clientId, clientSecret, hints, bait }: EnvInput): Record<string, string> {
  return {
    ...bait,
    AGENT_CHAOS_URL: baseUrl,
    OPENAI_BASE_URL: `${baseUrl}/v1`,
    OPENAI_API_KEY: modelKey,
    ANTHROPIC_BASE_URL: `${baseUrl}/anthropic`,
    ANTHROPIC_API_KEY: modelKey,
    AGENT_CHAOS_TOOLS_URL: `${baseUrl}/tools`,
    AGENT_CHAOS_MCP_URL: `${baseUrl}/mcp`,
    AGENT_CHAOS_IDENTITY_URL: `${baseUrl}/identity`,
    AGENT_CHAOS_CLIENT_ID: clientId,
    AGENT_CHAOS_CLIENT_SECRET: clientSecret,
    AGENT_CHAOS_APPROVALS_URL: `${baseUrl}/approvals`,
    AGENT_CHAOS_ESCALATIONS_URL: `${baseUrl}/escalations`,
    OTEL_EXPORTER_OTLP_ENDPOINT: `${baseUrl}/otlp`,
    ...(hints.transport === 'mcp' ? { AGENT_CHAOS_HINT_TRANSPORT: 'mcp' } : {}),
    ...(hints.stream ? { AGENT_CHAOS_HINT_STREAM: '1' } : {}),
  };
}
