/**
 * The demo's atomic file writes: a kill at any moment leaves the previous file whole.
 *
 * The bytes go to `<file>.<pid>.<n>.part` in the same folder (same filesystem, so the rename is
 * atomic), written in chunks with the event loop turning between them, fsynced, renamed over the
 * target, and the folder fsynced so the rename survives a power cut. Any failure removes the temp
 * file. SIGINT, SIGTERM and SIGHUP arriving mid-write remove it too, then the process dies of the
 * signal as it would have. SIGKILL cannot be caught: the old file is intact and the orphaned temp
 * file is removed by the next write beside it (its writer's pid is gone).
 */
import { mkdir, open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const PART = /^(.*)\.(\d+)\.(\d+)\.part$/;
let counter = 0;

/** Options of {@link writeAtomic}. */
export interface WriteAtomicOptions {
  /** Bytes per write call (default 8 MiB). */
  chunkBytes?: number;
  /** @internal Called after each chunk reaches the temp file (the kill test waits here). */
  onProgress?: (written: number, total: number, tempPath: string) => void | Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove the temp files `<name>.<pid>.<n>.part` in `dir` whose writer process is gone (a
 * SIGKILL or power loss mid-write), for every target or only `name`. Returns what it removed.
 *
 * @example
 * await removeStaleParts('./out'); // at start-up
 */
export async function removeStaleParts(dir: string, name?: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const n of names) {
    const m = PART.exec(n);
    if (!m || (name !== undefined && m[1] !== name)) continue;
    const pid = Number(m[2]);
    if (pid === process.pid || alive(pid)) continue;
    await unlink(join(dir, n)).then(
      () => removed.push(n),
      () => undefined,
    );
  }
  return removed;
}

/**
 * Write `data` to `file` atomically: `file` is either its old content or the new one, whatever
 * happens (see the module comment). Creates the folder if needed.
 *
 * @example
 * await writeAtomic('out/history.json', JSON.stringify(history));
 */
export async function writeAtomic(file: string, data: string | Uint8Array, opts: WriteAtomicOptions = {}): Promise<void> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const dir = dirname(resolve(file));
  await mkdir(dir, { recursive: true });
  await removeStaleParts(dir, basename(file));
  const tmp = join(dir, `${basename(file)}.${process.pid}.${counter++}.part`);
  const cleanup = () => {
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
  };
  const handlers = SIGNALS.map((sig) => {
    const h = () => {
      cleanup();
      process.removeListener(sig, h);
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  let fh: FileHandle | null = null;
  try {
    fh = await open(tmp, 'wx', 0o666);
    const chunk = Math.max(1, opts.chunkBytes ?? 8 * 2 ** 20);
    for (let written = 0; written < bytes.length; ) {
      const { bytesWritten } = await fh.write(bytes, written, Math.min(chunk, bytes.length - written), written);
      written += bytesWritten;
      await opts.onProgress?.(written, bytes.length, tmp);
    }
    await fh.sync();
    await fh.close();
    fh = null;
    await rename(tmp, file);
  } catch (e) {
    if (fh) await fh.close().catch(() => undefined);
    cleanup();
    throw e;
  } finally {
    for (const [sig, h] of handlers) process.removeListener(sig, h);
  }
  let d: FileHandle | null = null;
  try {
    d = await open(dir, 'r');
    await d.sync();
  } catch {
    /* some platforms (Windows) cannot fsync a folder; the rename is done either way */
  } finally {
    await d?.close().catch(() => undefined);
  }
}
