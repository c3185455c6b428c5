// Crash-safe file replacement: a reader sees either the old file or the complete new one, never
// a half-written checkpoint (the temp file lives in the same folder, so the rename is atomic).
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/** Writes `data` to a temp file beside `path`, flushes it to disk, then renames it over `path`. */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fd = openSync(temp, 'wx');
    try {
      for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (e) {
    try {
      rmSync(temp, { force: true });
    } catch {
      // The temp file could not even be made (e.g. the folder is missing): nothing to remove,
      // and the original error is the one worth reporting.
    }
    throw new Error(`writeFileAtomic: could not write ${path}: ${(e as Error).message}`, { cause: e });
  }
  syncDirectory(dir);
}

// Makes the rename itself durable. Some systems (Windows) cannot open a folder; the file's own
// data is already on disk by then, so failing here only risks the old name surviving a power cut.
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // best effort, see above
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
