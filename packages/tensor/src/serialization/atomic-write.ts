/**
 * Node-only atomic file replacement. This module has no imports at all: Node built-ins come
 * from `process.getBuiltinModule` at call time, so importing dl in a browser pulls in nothing
 * of Node's (the browser bundle check in apps/browser sees no `node:` import), and the kill test
 * can run this file alone in a child process.
 *
 * Note [Atomic save]
 * `dl.save(obj, path)` must never leave a half-written file where a good one was: a checkpoint
 * written every epoch is worthless if a crash during the write destroys the last one. The bytes
 * go to a temp file in the same folder (`.<name>.<pid>.<random>.dl-tmp`, same filesystem so the
 * rename is atomic), which is fsynced, then renamed over the target, then the folder is fsynced
 * so the rename itself survives a power cut. Any failure removes the temp file. A SIGINT,
 * SIGTERM or SIGHUP arriving mid-write removes it too, then the process dies of the signal as it
 * would have. SIGKILL and power loss cannot be caught: the old file is still intact, and the
 * leftover temp file is removed by the next save to the same path (its writer's pid is gone).
 */

type Fs = typeof import('node:fs');
type PathMod = typeof import('node:path');

/**
 * Node's `fs` and `path`, or null outside Node.
 *
 * @example
 * nodeModules()?.fs.existsSync('m.pt');
 */
export function nodeModules(): { fs: Fs; path: PathMod } | null {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (!p || typeof p.getBuiltinModule !== 'function') return null;
  return { fs: p.getBuiltinModule('node:fs') as Fs, path: p.getBuiltinModule('node:path') as PathMod };
}

/** @internal Options of {@link atomicWriteFile}. */
export interface AtomicWriteOptions {
  /** Bytes per write call (default 8 MiB). */
  chunkBytes?: number;
  /** @internal Called after each chunk reaches the temp file (the kill test waits here). */
  onProgress?: (written: number, total: number, tempPath: string) => void | Promise<void>;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const SUFFIX = '.dl-tmp';

function tempPrefix(base: string): string {
  return `.${base.slice(0, 200)}.`;
}

/**
 * Replace `file` with `bytes` atomically (Note [Atomic save]). Node only.
 *
 * @example
 * await atomicWriteFile('ckpt.pt', bytes);
 */
export async function atomicWriteFile(file: string, bytes: Uint8Array, opts: AtomicWriteOptions = {}): Promise<void> {
  const mods = nodeModules();
  if (!mods) throw new Error('writing files needs Node.js ≥ 20.16');
  const { fs, path } = mods;
  const fsp = fs.promises;
  const dir = path.dirname(path.resolve(file));
  const base = path.basename(file);
  await sweepStaleTemps(fs, path, dir, base);
  const rand = Math.floor(Math.random() * 2 ** 48).toString(36);
  const tmp = path.join(dir, `${tempPrefix(base)}${process.pid}.${rand}${SUFFIX}`);
  const cleanup = () => {
    try {
      fs.unlinkSync(tmp);
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
  let fh: import('node:fs/promises').FileHandle | null = null;
  try {
    fh = await fsp.open(tmp, 'wx', 0o666);
    try {
      const st = await fsp.stat(file);
      await fh.chmod(st.mode & 0o7777);
    } catch {
      /* no old file: keep the default mode */
    }
    const chunk = Math.max(1, opts.chunkBytes ?? 8 * 2 ** 20);
    let written = 0;
    while (written < bytes.length) {
      const n = Math.min(chunk, bytes.length - written);
      const { bytesWritten } = await fh.write(bytes, written, n, written);
      written += bytesWritten;
      await opts.onProgress?.(written, bytes.length, tmp);
    }
    if (bytes.length === 0) await opts.onProgress?.(0, 0, tmp);
    await fh.sync();
    await fh.close();
    fh = null;
    await fsp.rename(tmp, file);
  } catch (e) {
    if (fh) await fh.close().catch(() => {});
    cleanup();
    throw e;
  } finally {
    for (const [sig, h] of handlers) process.removeListener(sig, h);
  }
  await fsyncDir(fsp, dir);
}

async function fsyncDir(fsp: Fs['promises'], dir: string): Promise<void> {
  let d: import('node:fs/promises').FileHandle | null = null;
  try {
    d = await fsp.open(dir, 'r');
    await d.sync();
  } catch {
    /* some platforms (Windows) cannot open or fsync a folder; the rename is done either way */
  } finally {
    await d?.close().catch(() => {});
  }
}

/** Remove temp files of earlier saves to `base` whose writer process is gone (killed mid-write). */
async function sweepStaleTemps(fs: Fs, path: PathMod, dir: string, base: string): Promise<void> {
  const prefix = tempPrefix(base);
  let names: string[];
  try {
    names = await fs.promises.readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith(SUFFIX)) continue;
    const pid = Number(name.slice(prefix.length).split('.')[0]);
    if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid || alive(pid)) continue;
    await fs.promises.unlink(path.join(dir, name)).catch(() => {});
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}
