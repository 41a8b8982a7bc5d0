// @ts-check
// Process entry: node examples/naive-agent/main.js
import { runMain } from '../reference-agent/run-process.js';
import run from './agent.js';

await runMain(run);
