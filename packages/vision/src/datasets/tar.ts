import { CorruptDatasetError, UnsafeArchiveError } from './errors.js';
import { writeFileAtomic } from './io.js';
import { node } from './node-builtins.js';
import { checkLimit, fmtInt, resolveLimits, type ReaderLimits } from './limits.js';

/** One member of a tar archive, as {@link listTar} finds it. */
export interface TarEntry {
  /** Relative path, `/`-separated, checked to stay inside the archive's root. */
  name: string;
  type: 'file' | 'directory';
  /** Where the member's data starts in the archive, and its length. */
  offset: number;
  size: number;
}

/** Options of {@link listTar} and {@link untar}. */
export interface TarOptions {
  /** Caps (entries, total bytes); default `datasets.getReaderLimits()`. */
  limits?: Partial<ReaderLimits>;
  /** The archive's name, for messages. */
  file?: string;
}

const BLOCK = 512;
/** Largest pax or GNU long-name header read (their content is metadata, not file data). */
const MAX_META = 1 << 20;

/** A header field's text up to its first NUL. */
function field(b: Uint8Array, off: number, len: number): string {
  const f = b.subarray(off, off + len);
  const end = f.indexOf(0);
  return new TextDecoder().decode(end < 0 ? f : f.subarray(0, end));
}

/** A numeric header field: octal digits, optionally space-padded, ended by NUL or space. */
function octal(b: Uint8Array, off: number, len: number, what: string, fail: (why: string) => Error): number {
  if (b[off]! & 0x80) throw fail(`${what} field uses the base-256 encoding (negative or over 8 GiB), which is not supported`);
  const s = new TextDecoder('latin1').decode(b.subarray(off, off + len));
  const m = /^ *([0-7]+)[ \0]*$/.exec(s) ?? /^[ \0]*$/.exec(s);
  if (!m) throw fail(`${what} field ${JSON.stringify(s)} is not an octal number`);
  const n = m[1] === undefined ? 0 : parseInt(m[1], 8);
  if (!Number.isSafeInteger(n)) throw fail(`${what} field ${JSON.stringify(s)} is out of range`);
  return n;
}

/** Refuse absolute paths, drive letters, backslashes, NULs and `..` components. */
function checkName(name: string, at: number, archive: string): string {
  const unsafe = (why: string) =>
    new UnsafeArchiveError(`untar: ${archive}: entry ${JSON.stringify(name)} at byte ${at} ${why}`, {
      op: 'untar',
      hint: 'the archive is damaged or malicious: nothing was extracted; get it from its official source',
    });
  if (name.includes('\0')) throw unsafe('contains a NUL character');
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name) || name.includes('\\')) throw unsafe('is an absolute path (or uses backslashes)');
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw unsafe("has a '..' component");
  return parts.join('/');
}

/** Parse pax extended-header records (`"%d %s=%s\n"`), strictly. */
function paxRecords(b: Uint8Array, fail: (why: string) => Error): Map<string, string> {
  const out = new Map<string, string>();
  let p = 0;
  while (p < b.length) {
    const sp = b.indexOf(0x20, p);
    if (sp < 0 || sp - p > 10) throw fail('bad pax record length');
    const lenText = new TextDecoder().decode(b.subarray(p, sp));
    if (!/^[1-9][0-9]*$/.test(lenText)) throw fail(`bad pax record length ${JSON.stringify(lenText)}`);
    const len = Number(lenText);
    if (p + len > b.length || b[p + len - 1] !== 0x0a) throw fail('pax record overruns its header');
    const rec = new TextDecoder().decode(b.subarray(sp + 1, p + len - 1));
    const eq = rec.indexOf('=');
    if (eq <= 0) throw fail('pax record without key=value');
    out.set(rec.slice(0, eq), rec.slice(eq + 1));
    p += len;
  }
  return out;
}

/**
 * List a tar archive's members (POSIX ustar, GNU and pax headers), checking everything before
 * anything is written: each header's checksum, strictly octal sizes, data inside the archive,
 * safe relative paths, no links or devices, at most `maxTarEntries` entries and `maxBytes`
 * bytes of data. Throws {@link CorruptDatasetError} or {@link UnsafeArchiveError}.
 *
 * @example
 * for (const e of listTar(bytes)) console.log(e.type, e.name, e.size);
 */
export function listTar(tar: Uint8Array, opts: TarOptions = {}): TarEntry[] {
  const limits = resolveLimits(opts.limits);
  const archive = opts.file ?? 'archive';
  const entries: TarEntry[] = [];
  let total = 0;
  let headers = 0;
  let longName: string | undefined;
  let pax: Map<string, string> | undefined;
  let off = 0;
  for (;;) {
    if (off + BLOCK > tar.length) {
      if (off === tar.length && entries.length > 0) break; // no end-of-archive blocks: accepted, as GNU tar does
      throw new CorruptDatasetError(
        `untar: ${archive}: truncated at byte ${fmtInt(off)} (a ${BLOCK}-byte header needs ${fmtInt(off + BLOCK - tar.length)} more)`,
        { op: 'untar', hint: 'delete the archive and download it again' },
      );
    }
    const h = tar.subarray(off, off + BLOCK);
    if (h.every((x) => x === 0)) break;
    const fail = (why: string) =>
      new CorruptDatasetError(`untar: ${archive}: header at byte ${fmtInt(off)}: ${why}`, {
        op: 'untar',
        hint: 'delete the archive and download it again',
      });
    checkLimit(limits, 'maxTarEntries', ++headers, 'untar', archive, 'listing the archive');
    const want = octal(h, 148, 8, 'checksum', fail);
    let unsigned = 0;
    let signed = 0;
    for (let i = 0; i < BLOCK; i++) {
      const v = i >= 148 && i < 156 ? 0x20 : h[i]!;
      unsigned += v;
      signed += v > 127 ? v - 256 : v;
    }
    if (want !== unsigned && want !== signed) throw fail(`checksum ${want} does not match the header's ${unsigned}`);
    let size = octal(h, 124, 12, 'size', fail);
    const type = String.fromCharCode(h[156]!);
    if (pax?.has('size')) {
      const s = pax.get('size')!;
      if (!/^[0-9]{1,16}$/.test(s) || !Number.isSafeInteger(Number(s))) throw fail(`pax size ${JSON.stringify(s)} is not a number`);
      size = Number(s);
    }
    const data = off + BLOCK;
    if (size > tar.length - data)
      throw fail(`member declares ${fmtInt(size)} bytes but only ${fmtInt(tar.length - data)} remain (truncated archive)`);
    const next = data + Math.ceil(size / BLOCK) * BLOCK;
    const ustar = field(h, 257, 6) === 'ustar' && h[262] === 0;
    const prefix = ustar ? field(h, 345, 155) : '';
    const rawName = pax?.get('path') ?? longName ?? (prefix ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100));
    if (type === 'x' || type === 'g' || type === 'L' || type === 'K') {
      if (size > MAX_META) throw fail(`${fmtInt(size)}-byte extended header (over ${fmtInt(MAX_META)})`);
      const body = tar.subarray(data, data + size);
      if (type === 'x') pax = paxRecords(body, fail);
      else if (type === 'L') longName = field(body, 0, body.length);
      off = next;
      continue;
    }
    longName = undefined;
    pax = undefined;
    if (type === '1' || type === '2')
      throw new UnsafeArchiveError(
        `untar: ${archive}: ${JSON.stringify(rawName)} is a ${type === '1' ? 'hard' : 'symbolic'} link; links are never extracted`,
        { op: 'untar', hint: 'the archive is not a plain dataset archive: nothing was extracted' },
      );
    if (type === '3' || type === '4' || type === '6')
      throw new UnsafeArchiveError(
        `untar: ${archive}: ${JSON.stringify(rawName)} is a device or FIFO; only files and folders are extracted`,
        { op: 'untar' },
      );
    const isFile = type === '0' || type === '\0' || type === '7';
    if (!isFile && type !== '5') throw fail(`unsupported entry type ${JSON.stringify(type)} for ${JSON.stringify(rawName)}`);
    const name = checkName(rawName, off, archive);
    if (isFile) {
      if (!name) throw fail('a file entry has an empty name');
      total += size;
      checkLimit(limits, 'maxBytes', total, 'untar', archive, "the members' data");
      entries.push({ name, type: 'file', offset: data, size });
    } else if (name) entries.push({ name, type: 'directory', offset: data, size: 0 });
    off = next;
  }
  return entries;
}

/**
 * Unpack a tar archive's folders and regular files under `dest`, after {@link listTar} has
 * checked the whole archive (so a bad archive writes nothing). Every path is resolved and
 * must stay inside `dest`; files are written atomically. Returns the files written.
 *
 * @example
 * untar(gunzipBounded(raw, 200 << 20, 'CIFAR10', file), './data', { file });
 */
export function untar(tar: Uint8Array, dest: string, opts: TarOptions = {}): string[] {
  const { fs, path } = node();
  const entries = listTar(tar, opts);
  const archive = opts.file ?? 'archive';
  const root = path.resolve(dest);
  const inside = root.endsWith(path.sep) ? root : root + path.sep;
  const target = (e: TarEntry) => {
    const full = path.resolve(root, ...e.name.split('/'));
    if (!full.startsWith(inside))
      throw new UnsafeArchiveError(`untar: ${archive}: entry ${JSON.stringify(e.name)} resolves to ${full}, outside ${root}`, {
        op: 'untar',
      });
    return full;
  };
  const targets = entries.map(target);
  const written: string[] = [];
  entries.forEach((e, i) => {
    const full = targets[i]!;
    try {
      if (e.type === 'directory') fs.mkdirSync(full, { recursive: true });
      else {
        fs.mkdirSync(path.dirname(full), { recursive: true });
        writeFileAtomic(full, tar.subarray(e.offset, e.offset + e.size), false);
        written.push(full);
      }
    } catch (err) {
      throw new CorruptDatasetError(`untar: ${archive}: cannot write ${e.name} to ${full}: ${(err as Error).message}`, {
        op: 'untar',
        hint: "the archive's entries conflict with each other or with files already in the destination, or the disk is full",
      });
    }
  });
  return written;
}
