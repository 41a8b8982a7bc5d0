import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../src/errors.js';
import { consoleReporter } from './console.js';
import { jsonReporter } from './json.js';
import { junitReporter } from './junit.js';
import { readinessReporter } from './readiness.js';
import type { Reporter, ReporterFactory, ReporterOptions } from './types.js';

/** The built-in reporters, by the name `--reporter` takes. */
export const BUILTIN_REPORTERS: Readonly<Record<string, ReporterFactory>> = Object.freeze({
  console: consoleReporter,
  json: jsonReporter,
  junit: junitReporter,
  readiness: readinessReporter,
});

const builtinList = (): string => Object.keys(BUILTIN_REPORTERS).join(', ');

function isReporter(value: unknown): value is Reporter {
  return typeof value === 'object' && value !== null && typeof (value as { name?: unknown }).name === 'string';
}

async function importFactory(path: string, nameOrPath: string): Promise<ReporterFactory> {
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (cause) {
    throw new UsageError(`reporter "${nameOrPath}": cannot load ${path}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
  if (typeof module.default !== 'function') {
    throw new UsageError(`reporter "${nameOrPath}": ${path} has no default export that is a reporter factory (options) => Reporter`);
  }
  return module.default as ReporterFactory;
}

/**
 * A reporter by built-in name (console, json, junit, readiness), or from a module path,
 * relative to the working directory, whose default export is a `ReporterFactory`.
 * Throws UsageError for an unknown name, a missing file or a module that is not a reporter.
 */
export async function loadReporter(nameOrPath: string, options: ReporterOptions): Promise<Reporter> {
  // Own properties only, so `toString` or `constructor` are not taken for built-ins.
  const builtin = Object.hasOwn(BUILTIN_REPORTERS, nameOrPath) ? BUILTIN_REPORTERS[nameOrPath] : undefined;
  if (builtin) return builtin(options);

  const path = resolve(process.cwd(), nameOrPath);
  if (!existsSync(path)) {
    throw new UsageError(`unknown reporter "${nameOrPath}": not a built-in (${builtinList()}) and no file at ${path}`);
  }
  const factory = await importFactory(path, nameOrPath);
  let reporter: unknown;
  try {
    reporter = await factory(options);
  } catch (cause) {
    // The user's module failed, not the harness: say which and why, with no stack trace.
    throw new UsageError(`reporter "${nameOrPath}": its factory threw: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
  if (!isReporter(reporter)) {
    throw new UsageError(`reporter "${nameOrPath}": its factory returned no reporter (an object with a string "name")`);
  }
  return reporter;
}

export { fanOut } from './fan-out.js';
