import { CorruptDatasetError, DatasetNotFoundError, DownloadError } from './errors.js';
import { checkLimit, fmtInt, resolveLimits, type ReaderLimits } from './limits.js';
import { node } from './node-builtins.js';

/** The first of `candidates` that exists, or undefined. */
export function firstExisting(candidates: readonly string[]): string | undefined {
  const { fs } = node();
  return candidates.find((c) => {
    try {
      return fs.statSync(c).isFile();
    } catch {
      return false;
    }
  });
}

/**
 * Read a whole regular file, refusing anything else (a FIFO, a device such as `/dev/zero`
 * behind a symlink, a folder) and files over `limits.maxBytes`, before reading a byte. The
 * file is opened non-blocking, so a FIFO cannot hang the read.
 *
 * @example
 * const bytes = readFileBounded('./data/x.png', 'ImageFolder', { maxBytes: 64 << 20 });
 */
export function readFileBounded(file: string, op: string, limits?: Partial<ReaderLimits>): Uint8Array {
  const { fs } = node();
  const lim = resolveLimits(limits);
  let fd: number;
  try {
    const st = fs.statSync(file);
    if (!st.isFile())
      throw new CorruptDatasetError(`${op}: ${file} is not a regular file (a folder, device, FIFO or socket)`, {
        op,
        hint: 'remove it or point the dataset at regular files',
      });
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (e) {
    if (e instanceof CorruptDatasetError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new DatasetNotFoundError(`${op}: cannot read ${file}: ${code ?? (e as Error).message}`, {
      op,
      hint: code === 'ENOENT' ? 'the file is missing' : 'check the file and its permissions',
    });
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new CorruptDatasetError(`${op}: ${file} is not a regular file`, { op });
    checkLimit(lim, 'maxBytes', st.size, op, file, 'reading the file');
    const out = new Uint8Array(st.size);
    let got = 0;
    while (got < out.length) {
      const n = fs.readSync(fd, out, got, out.length - got, got);
      if (n === 0) break;
      got += n;
    }
    if (got !== out.length)
      throw new CorruptDatasetError(`${op}: ${file} shrank while being read (${fmtInt(got)} of ${fmtInt(out.length)} bytes)`, {
        op,
        hint: 'is another process writing it?',
      });
    return out;
  } finally {
    fs.closeSync(fd);
  }
}

export function md5(data: Uint8Array): string {
  return node().crypto.createHash('md5').update(data).digest('hex');
}

let partCounter = 0;
const PART = /^(.*)\.(\d+)\.(\d+)\.part$/;

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove the temp files `<file>.<pid>.<n>.part` that {@link writeFileAtomic} left beside
 * `file` when a process was killed mid-write (only those whose process is gone).
 */
export function removeStaleParts(file: string): void {
  const { fs, path } = node();
  const dir = path.dirname(file);
  const base = path.basename(file);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const m = PART.exec(n);
    if (!m || m[1] !== base || alive(Number(m[2]))) continue;
    try {
      fs.rmSync(path.join(dir, n), { force: true });
    } catch {
      /* another process removed it, or it is not ours to remove */
    }
  }
}

/**
 * Write `data` to `file` so that `file` is either its old self or complete: into a temp file
 * in the same folder, fsynced, renamed over `file`, and the folder fsynced. The temp file is
 * removed when anything fails; temp files left by killed processes are removed first (unless
 * `sweep` is false, as `untar` passes so as not to list a folder once per member).
 *
 * @example
 * writeFileAtomic('./out/grid.png', bytes);
 */
export function writeFileAtomic(file: string, data: Uint8Array, sweep = true): void {
  const { fs, path } = node();
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  if (sweep) removeStaleParts(file);
  const tmp = `${file}.${process.pid}.${partCounter++}.part`;
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx');
    for (let off = 0; off < data.length; ) off += fs.writeSync(fd, data, off, Math.min(data.length - off, 1 << 24));
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  try {
    const dfd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  } catch {
    /* folders cannot be fsynced on some platforms (Windows); the rename is still atomic */
  }
}

/** Read a response body, failing as soon as it exceeds `max` bytes. */
async function readBody(res: Response, url: string, max: number): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > max)
    throw new DownloadError(`download of ${url}: the server announces ${fmtInt(declared)} bytes, over the limit of ${fmtInt(max)}`, {
      hint: 'raise maxBytes if this is expected',
    });
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      throw new DownloadError(`download of ${url}: more than ${fmtInt(max)} bytes received`, {
        hint: 'raise maxBytes if this is expected',
      });
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let p = 0;
  for (const c of chunks) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}

/**
 * Download `url` to `dest`: checked against `md5`, then written atomically, so `dest` is
 * either absent or complete. Fails after `timeoutMs` or past `maxBytes` (default: the
 * reader cap `maxBytes`).
 *
 * @example
 * await downloadFile('https://example.com/x.gz', './data/x.gz', { md5: '0123…', timeoutMs: 30_000 });
 */
export async function downloadFile(
  url: string,
  dest: string,
  opts: { md5?: string; timeoutMs?: number; maxBytes?: number } = {},
): Promise<void> {
  const max = opts.maxBytes ?? resolveLimits().maxBytes;
  const ctrl = new AbortController();
  const timeout = opts.timeoutMs ?? 60_000;
  const timer = setTimeout(() => ctrl.abort(), timeout);
  try {
    let res: Response;
    try {
      res = await fetch(url, { signal: ctrl.signal });
    } catch (e) {
      throw new DownloadError(`download of ${url} failed: ${ctrl.signal.aborted ? `timed out after ${timeout} ms` : (e as Error).message}`);
    }
    if (!res.ok) throw new DownloadError(`download of ${url} failed: HTTP ${res.status} ${res.statusText}`);
    let body: Uint8Array;
    try {
      body = await readBody(res, url, max);
    } catch (e) {
      if (e instanceof DownloadError) throw e;
      throw new DownloadError(
        `download of ${url} failed while reading the body: ${ctrl.signal.aborted ? 'timed out' : (e as Error).message}`,
      );
    }
    if (opts.md5) {
      const got = md5(body);
      if (got !== opts.md5) throw new DownloadError(`download of ${url}: checksum mismatch (md5 ${got}, expected ${opts.md5})`);
    }
    writeFileAtomic(dest, body);
  } finally {
    clearTimeout(timer);
  }
}
