import { DownloadError } from './errors.js';

type Fs = typeof import('node:fs');
type Path = typeof import('node:path');
type Zlib = typeof import('node:zlib');
type Crypto = typeof import('node:crypto');

/** Node built-ins, loaded lazily so that importing @dl/vision stays browser-safe. */
export function node(): { fs: Fs; path: Path; zlib: Zlib; crypto: Crypto } {
  const p = (globalThis as { process?: { getBuiltinModule?: (n: string) => unknown } }).process;
  const get = p?.getBuiltinModule;
  if (!get) throw new Error('@dl/vision datasets need Node.js ≥ 20.16 (fs, zlib); in a browser, build tensors from your own data');
  return { fs: get('node:fs') as Fs, path: get('node:path') as Path, zlib: get('node:zlib') as Zlib, crypto: get('node:crypto') as Crypto };
}

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

/** Read a file, gunzipping it when it is gzip (by magic bytes, whatever its name). */
export function readMaybeGzip(file: string, onError: (why: string) => Error): Uint8Array {
  const { fs, zlib } = node();
  const raw = fs.readFileSync(file);
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return zlib.gunzipSync(raw);
    } catch (e) {
      throw onError(`gzip data is corrupt or truncated (${(e as Error).message})`);
    }
  }
  return raw;
}

export function md5(data: Uint8Array): string {
  return node().crypto.createHash('md5').update(data).digest('hex');
}

/**
 * Download `url` to `dest`: into a temp file beside it, checked against `md5`, then renamed
 * into place, so `dest` is either absent or complete. Fails after `timeoutMs`.
 */
export async function downloadFile(url: string, dest: string, opts: { md5?: string; timeoutMs?: number } = {}): Promise<void> {
  const { fs, path } = node();
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.${process.pid}.${Date.now()}.part`;
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), opts.timeoutMs ?? 60_000);
  try {
    let res: Response;
    try {
      res = await fetch(url, { signal: ctrl.signal });
    } catch (e) {
      throw new DownloadError(`download of ${url} failed: ${ctrl.signal.aborted ? `timed out after ${opts.timeoutMs ?? 60_000} ms` : (e as Error).message}`);
    }
    if (!res.ok) throw new DownloadError(`download of ${url} failed: HTTP ${res.status} ${res.statusText}`);
    let body: Uint8Array;
    try {
      body = new Uint8Array(await res.arrayBuffer());
    } catch (e) {
      throw new DownloadError(`download of ${url} failed while reading the body: ${ctrl.signal.aborted ? 'timed out' : (e as Error).message}`);
    }
    if (opts.md5) {
      const got = md5(body);
      if (got !== opts.md5) throw new DownloadError(`download of ${url}: checksum mismatch (md5 ${got}, expected ${opts.md5})`);
    }
    fs.writeFileSync(tmp, body);
    fs.renameSync(tmp, dest);
  } finally {
    clearTimeout(timer);
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      /* nothing to clean */
    }
  }
}
