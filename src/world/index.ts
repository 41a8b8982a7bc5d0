export type { Fault } from './fault.js';
export { type HostedWorld, type RunSlot, type StrayRequests, WorldHost } from './host.js';
export {
  type ApprovalDecision,
  type ApprovalRequest,
  type ApprovalStatus,
  defaultApprover,
  defaultHuman,
  fixedHuman,
  type HumanContext,
  type HumanPolicy,
  type HumanStep,
} from './human.js';
export { type BearerStatus, type BearerValidation, Identity } from './identity.js';
export { type CaseLimits, caseLimits, DEFAULT_LIMITS } from './limits.js';
export type { BeforeModelHook, ModelFault, ModelInvocation } from './model/fault-hook.js';
export { ADVERSARY_MODEL } from './model/openai-chat.js';
export { BUILTIN_TOOLS, buildCatalog, type ListedTool, listTools, schemaVersion, toolContext } from './tools/catalog.js';
export type { BeforeToolHook, ToolFault, ToolInvocation } from './tools/execute.js';
export { MCP_META } from './tools/mcp.js';
export { CALL_ID_HEADER } from './tools/rest.js';
export type { CatalogTool, ToolContext, ToolEffect, ToolOutcome } from './tools/types.js';
export { createWorld, DEFAULT_TOKEN_TTL_S, type HarnessNote, type World, type WorldOptions } from './world.js';
