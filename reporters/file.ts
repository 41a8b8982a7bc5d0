import { unlinkSync } from 'node:fs';
import { type FileHandle, mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

// Temporary files not yet renamed into place; removed if the process ends first (a harness
// error mid-run, a kill), so a half-written report never lies beside the real ones.
const pendingTemps = new Set<string>();
let cleanupInstalled = false;

function trackTemp(path: string): void {
  pendingTemps.add(path);
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.once('exit', () => {
    for (const temp of pendingTemps) {
      try {
        unlinkSync(temp);
      } catch {
        // Already gone.
      }
    }
  });
}

let tempCounter = 0;

// In the target's own folder, so the final rename stays on one file system and is atomic.
function tempPathFor(file: string): string {
  tempCounter += 1;
  return join(dirname(file), `.${basename(file)}.${process.pid}.${tempCounter}.tmp`);
}

async function moveIntoPlace(temp: string, file: string): Promise<void> {
  try {
    await rename(temp, file);
  } finally {
    pendingTemps.delete(temp);
    await rm(temp, { force: true });
  }
}

/**
 * Writes a whole report file, creating its directory. The text goes to a temporary file beside
 * it, renamed over the target at the end: a reader (or a run killed mid-write) sees the old file
 * or the new one, never a truncated one.
 */
export async function writeReportFile(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = tempPathFor(file);
  trackTemp(temp);
  try {
    await writeFile(temp, text, 'utf8');
  } catch (cause) {
    pendingTemps.delete(temp);
    await rm(temp, { force: true });
    throw cause;
  }
  await moveIntoPlace(temp, file);
}

/** A report file written piece by piece. */
export interface ReportFile {
  write(text: string): Promise<void>;
  /** Finishes the file and puts it in place. */
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
 * The stream goes to a temporary file beside the target, renamed over it by `close()`, so the
 * target is never seen half-written.
 */
export async function openReportFile(file: string): Promise<ReportFile> {
  await mkdir(dirname(file), { recursive: true });
  const temp = tempPathFor(file);
  trackTemp(temp);
  const handle = await open(temp, 'w');
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
      await moveIntoPlace(temp, file);
    },
  };
}
