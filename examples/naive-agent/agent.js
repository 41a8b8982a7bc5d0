// @ts-check
// The naive agent: the reference agent's loop with every guard switched off. Its audit stays
// complete and truthful; it simply enforces nothing, so the harness must fail it everywhere.
import { createAgent, NAIVE_BREAKS } from '../reference-agent/agent.js';

export default createAgent({
  policyFile: new URL('./agent-chaos.config.yaml', import.meta.url),
  breaks: NAIVE_BREAKS,
});
