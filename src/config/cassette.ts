import { ConfigError } from '../errors.js';
import { isPlainObject } from '../world/canonical.js';
import { type RecordItem, readRecordFile } from './load.js';
import type { ScriptedCall, ScriptTurn } from './scenario.js';

/** A recorded model session, as turns the scripted policy plays back. */
export interface Cassette {
  script: ScriptTurn[];
  /** The text of the last answer, when it called no tool: what the model says once played out. */
  finalText: string | undefined;
}

interface Answer {
  text: string | undefined;
  calls: ScriptedCall[];
}

type Reader = (value: Record<string, unknown>, item: RecordItem) => Answer;

/**
 * Loads a cassette: the answers a real model gave, one record each (JSONL, or a YAML or JSON
 * list), as the provider returned them — an OpenAI chat completion, an OpenAI Responses object
 * or an Anthropic message, bare or as `{"response": ...}`. Each answer becomes one scripted turn
 * with the same tool names and argument text; the harness gives the calls its own ids. Every bad
 * record is reported with its file, line and field.
 */
export function loadCassette(file: string): Cassette {
  const problems: ConfigError[] = [];
  const answers: Answer[] = [];
  for (const item of readRecordFile(file, problems)) {
    try {
      answers.push(readAnswer(item));
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(err);
    }
  }
  // In file order: unreadable lines are found before the records are read.
  problems.sort((a, b) => (a.location.line ?? 0) - (b.location.line ?? 0));
  const [first, ...rest] = problems;
  if (first) throw new ConfigError(first.location, first.detail, rest);
  if (answers.length === 0) throw new ConfigError({ file }, 'the cassette holds no recorded answer');

  const last = answers.at(-1);
  const closing = last && last.calls.length === 0 ? last : undefined;
  const script = (closing ? answers.slice(0, -1) : answers).map(
    (a): ScriptTurn =>
      a.calls.length > 0 ? { tool_calls: a.calls, ...(a.text !== undefined ? { text: a.text } : {}) } : { text: a.text ?? '' },
  );
  return { script, finalText: closing?.text };
}

function readAnswer(item: RecordItem): Answer {
  const record = item.value;
  const wrapped = isPlainObject(record) && isPlainObject(record.response);
  const value = wrapped ? (record.response as Record<string, unknown>) : record;
  const at = (path: readonly PropertyKey[]) => item.locate(wrapped ? ['response', ...path] : path);
  if (!isPlainObject(value)) throw new ConfigError(item.locate([]), 'a recorded answer must be a JSON object');
  const reader = readerFor(value);
  if (!reader) {
    throw new ConfigError(
      at([]),
      'not a recorded model answer: expected an OpenAI chat completion (choices), an OpenAI Responses object (output) or an Anthropic message (content)',
    );
  }
  return reader(value, { ...item, locate: at });
}

function readerFor(value: Record<string, unknown>): Reader | undefined {
  if (Array.isArray(value.choices)) return chatAnswer;
  if (Array.isArray(value.output)) return responsesAnswer;
  if (Array.isArray(value.content)) return anthropicAnswer;
  return undefined;
}

function chatAnswer(value: Record<string, unknown>, item: RecordItem): Answer {
  const choice = (value.choices as unknown[])[0];
  const message = isPlainObject(choice) ? choice.message : undefined;
  if (!isPlainObject(message)) throw new ConfigError(item.locate(['choices', 0, 'message']), 'the first choice has no message');
  const toolCalls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
  const calls = toolCalls.map((call, i) => {
    const fn = isPlainObject(call) ? call.function : undefined;
    const path = ['choices', 0, 'message', 'tool_calls', i, 'function'];
    return recordedCall(isPlainObject(fn) ? fn.name : undefined, isPlainObject(fn) ? fn.arguments : undefined, item, path);
  });
  return { text: typeof message.content === 'string' ? message.content : undefined, calls };
}

function responsesAnswer(value: Record<string, unknown>, item: RecordItem): Answer {
  const texts: string[] = [];
  const calls: ScriptedCall[] = [];
  (value.output as unknown[]).forEach((output, i) => {
    if (!isPlainObject(output)) return;
    if (output.type === 'function_call') calls.push(recordedCall(output.name, output.arguments, item, ['output', i]));
    if (output.type === 'message' && Array.isArray(output.content)) {
      for (const part of output.content) if (isPlainObject(part) && typeof part.text === 'string') texts.push(part.text);
    }
  });
  return { text: texts.length > 0 ? texts.join('') : undefined, calls };
}

function anthropicAnswer(value: Record<string, unknown>, item: RecordItem): Answer {
  const texts: string[] = [];
  const calls: ScriptedCall[] = [];
  (value.content as unknown[]).forEach((block, i) => {
    if (!isPlainObject(block)) return;
    if (block.type === 'text' && typeof block.text === 'string') texts.push(block.text);
    if (block.type === 'tool_use') {
      const input = isPlainObject(block.input) ? block.input : undefined;
      if (!input) throw new ConfigError(item.locate(['content', i, 'input']), 'a tool_use block needs an input object');
      calls.push(recordedCall(block.name, JSON.stringify(input), item, ['content', i]));
    }
  });
  return { text: texts.length > 0 ? texts.join('') : undefined, calls };
}

/** A recorded call, its arguments kept as the text the model sent (malformed or not). */
function recordedCall(name: unknown, args: unknown, item: RecordItem, path: readonly PropertyKey[]): ScriptedCall {
  if (typeof name !== 'string' || name === '' || name.startsWith('@')) {
    throw new ConfigError(item.locate([...path, 'name']), 'a recorded tool call needs a name (one that is not a role such as @forbidden)');
  }
  if (typeof args !== 'string')
    throw new ConfigError(item.locate([...path, 'arguments']), 'the arguments must be the JSON text the model sent');
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    // Kept as sent: a real model's malformed arguments are what the replay is for.
  }
  // Unreadable arguments stand for none, never for sample arguments the model did not send.
  return { tool: name, raw_args: args, args: isPlainObject(parsed) ? parsed : {} };
}
