/**
 * agent-chaos: the public API. Everything here is stable within a major version; anything not
 * exported here is internal.
 */

// Reporters
export { BUILTIN_REPORTERS, fanOut, loadReporter, mergeResults, replayIntoReporters } from '../reporters/index.js';
export type { Reporter, ReporterFactory, ReporterOptions } from '../reporters/types.js';
export { CANARY_KINDS, type Canary, type CanaryKind, makeCanaries, maskedCanary } from './adversary/canaries.js';
export { type CanaryHit, maskText, maskValue, scanText, scanValue } from './adversary/canary-detect.js';
export { CARRIER_NAMES, CARRIERS, type Carrier, type CarrierName } from './adversary/carriers/index.js';
export { obedientPolicy } from './adversary/obedient.js';
export type { ModelAnswer, ModelPolicy, ModelRequestView } from './adversary/policy.js';
export { scriptedPolicy } from './adversary/scripted.js';
export type { PlantedPayload, SecurityPlan } from './adversary/security-plan.js';
// Driving agents
export { type ModuleAdapterOptions, moduleAdapter } from './agents/module.js';
export { type ProcessAdapterOptions, processAdapter } from './agents/process.js';
export type { AgentAdapter, AgentInvocation, AgentModuleEntry, AgentOutcome } from './agents/types.js';
// Checks and the ground truth they read
export { CHECKS, controlCatalog, findCheck, runChecks } from './checks/index.js';
export type { Check, CheckContext } from './checks/types.js';
export { PACK_NAMES, type PackName } from './config/common.js';
// Configuration
export { builtinCorporaDir, type Corpus, type LoadedEntry, loadCorpora, loadCorpus } from './config/corpora.js';
export { type CorpusEntry, type CorpusManifest, corpusEntrySchema, corpusManifestSchema, type Goal } from './config/corpus.js';
export { type Manifest, manifestSchema } from './config/manifest.js';
export { type LoadedManifest, loadManifest } from './config/manifest-file.js';
export { type Scenario, scenarioSchema, TOOL_ROLES, type ToolDefinition, type ToolRole } from './config/scenario.js';
export { type LoadedScenario, loadPacks, loadScenarioFile } from './config/scenarios.js';
// Errors
export { AgentChaosError, AgentStartError, ConfigError, HarnessError, type SourceLocation, UsageError } from './errors.js';
export { Ledger, type LedgerEntry, type ModelEntry, type ToolEntry, type WorldEvent } from './ledger/ledger.js';
export type { CaseSpec, ResolvedCall, ResolvedTurn, Trigger } from './runner/case.js';
export { type PlanOptions, planCases, type Shard } from './runner/plan.js';
export type {
  CaseError,
  CaseResult,
  CaseStatus,
  CaseTranscript,
  ControlSummary,
  Evidence,
  Finding,
  Interruption,
  RunInfo,
  RunSummary,
  Totals,
  UncoveredCase,
  Verdict,
  VerdictLabel,
} from './runner/results.js';
// Running suites
export { builtinScenariosDir, DEFAULT_CASE_TIMEOUT_MS, DEFAULT_SEED, planSuite, runSuite, type SuiteOptions } from './runner/run.js';
export { readRunAudit } from './world/audit-channel.js';
export { type AuditLog, type AuditRecord, auditRecordSchema, parseAudit, readAuditFile } from './world/audit-intake.js';
export { WorldHost } from './world/host.js';
export { auditFromOtlp, OTLP_NAMESPACE } from './world/otlp-audit.js';
export { BUILTIN_TOOLS, buildCatalog } from './world/tools/catalog.js';
export type { CatalogTool, ToolContext, ToolOutcome } from './world/tools/types.js';
// The world and the adversary
export { createWorld, type World, type WorldOptions } from './world/world.js';
