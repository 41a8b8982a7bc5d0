import { type FileHandle, mkdir, open, writeFile } from 'node:fs/promises';
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

/** One write(2) may take only part of a buffer (a signal, a loaded disk): write until all of it is in. */
async function writeAll(handle: FileHandle, bytes: Buffer): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
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
    const next = pending.then(() => writeAll(handle, Buffer.from(text, 'utf8')));
    pending = next;
    return next;
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
