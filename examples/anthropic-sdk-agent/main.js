// @ts-check
// Process entry: node examples/anthropic-sdk-agent/main.js
import { runMain } from '../shared/run-main.js';
import run from './agent.js';

await runMain(run);
