// @ts-check
// Process entry: node examples/reference-agent/main.js (see run-process.js for the protocol).
import run from './agent.js';
import { runMain } from './run-process.js';

await runMain(run);
