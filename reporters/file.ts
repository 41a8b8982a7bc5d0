import { mkdir, open, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Writes a whole report file, creating its directory. */
export async function writeReportFile(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text, 'utf8');
}

/** A report file written piece by piece. */
export interface ReportFile {
  write(text: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens a report file for streaming, creating its directory. Writes are chained: concurrent
 * writes to one file handle may land out of order, and a caller need not await each one.
 */
export async function openReportFile(file: string): Promise<ReportFile> {
  await mkdir(dirname(file), { recursive: true });
  const handle = await open(file, 'w');
  let pending: Promise<unknown> = Promise.resolve();
  const write = (text: string): Promise<void> => {
    const next = pending.then(() => handle.write(text));
    pending = next;
    return next.then(() => undefined);
  };
  return {
    write,
    async close() {
      try {
        await pending;
      } finally {
        await handle.close();
      }
    },
  };
}
