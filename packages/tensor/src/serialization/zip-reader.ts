import { ByteReader } from './bytes.js';
import { crc32 } from './crc32.js';
import { LimitError, SerializationError } from './errors.js';
import { inflateRaw } from './inflate.js';
import { checkCap, type ByteBudget, type ReadLimits } from './limits.js';

/** @internal One file of a zip archive, as its central directory and local header agree. */
export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
  /** Where the entry's (possibly compressed) bytes start. */
  dataOffset: number;
}

/** @internal A parsed archive: its entries in central-directory order, by name. */
export interface ZipArchive {
  bytes: Uint8Array;
  /** `maxInflateRatio` of the limits it was read with. */
  maxInflateRatio: number;
  entries: ZipEntry[];
  byName: Map<string, ZipEntry>;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_LOCATOR64 = 0x07064b50;
const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;

/**
 * Does `bytes` start like a zip archive (a local file header, or an empty archive's EOCD)?
 *
 * @example
 * isZip(await dl.save(x)); // true
 */
export function isZip(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  const sig = (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0;
  return sig === SIG_LOCAL || sig === SIG_EOCD;
}

function corrupt(op: string, msg: string, key?: string): SerializationError {
  return new SerializationError(`${op}: zip archive ${msg}`, { op, key, hint: 'the file is corrupt or was cut short; write it again' });
}

/**
 * @internal Parse a zip archive's directory: the end record (zip64 too), every central entry and
 * its local header, checking each offset and length against the bytes, the entry count against
 * `maxEntries`, that names are unique and that no two entries' data overlap. Encrypted entries
 * and methods other than stored / deflate are refused. Reads no entry data.
 *
 * @example
 * const zip = readZip(bytes, resolveLimits(), 'load'); zip.byName.get('archive/data.pkl');
 */
export function readZip(bytes: Uint8Array, limits: Required<ReadLimits>, op: string): ZipArchive {
  const r = new ByteReader(bytes, op, 'zip archive');
  const eocd = findEocd(bytes, op);
  r.pos = eocd + 4;
  const disk = r.u16();
  const cdDisk = r.u16();
  const onDisk = r.u16();
  let total = r.u16();
  let cdSize = r.u32();
  let cdOffset = r.u32();
  let cdEnd = eocd; // the central directory must end before this
  if (disk !== 0 || cdDisk !== 0 || onDisk !== total) {
    throw new SerializationError(`${op}: multi-disk (split) zip archives are not supported`, { op, hint: 'join the parts into one file' });
  }
  if (total === U16_MAX || cdSize === U32_MAX || cdOffset === U32_MAX) {
    // zip64: the locator sits right before the end record and points at the zip64 end record
    if (eocd < 20) throw corrupt(op, 'has a zip64 marker but no zip64 locator');
    r.pos = eocd - 20;
    if (r.u32() !== SIG_LOCATOR64) throw corrupt(op, 'has a zip64 marker but no zip64 locator');
    r.u32(); // disk of the zip64 end record
    const at = r.u64('zip64 end offset');
    if (!(at + 56 <= eocd - 20)) throw corrupt(op, `zip64 end record offset ${at} is out of range`);
    r.pos = at;
    if (r.u32() !== SIG_EOCD64) throw corrupt(op, `has no zip64 end record at offset ${at}`);
    r.u64(); // size of the record
    r.u16(); // version made by
    r.u16(); // version needed
    if (r.u32() !== 0 || r.u32() !== 0) throw new SerializationError(`${op}: multi-disk (split) zip archives are not supported`, { op });
    const onDisk64 = r.u64();
    total = r.u64();
    cdSize = r.u64();
    cdOffset = r.u64();
    if (onDisk64 !== total) throw new SerializationError(`${op}: multi-disk (split) zip archives are not supported`, { op });
    cdEnd = at;
  }
  checkCap(op, total, limits, 'maxEntries', 'the number of zip entries');
  if (!(cdOffset + cdSize <= cdEnd))
    throw corrupt(op, `central directory (offset ${cdOffset}, ${cdSize} bytes) runs past its end record at ${cdEnd}`);
  if (total * 46 > cdSize) throw corrupt(op, `central directory (${cdSize} bytes) is too small for ${total} entries`);

  const cd = new ByteReader(bytes.subarray(0, cdOffset + cdSize), op, 'zip central directory', cdOffset);
  const entries: ZipEntry[] = [];
  const byName = new Map<string, ZipEntry>();
  for (let i = 0; i < total; i++) {
    const e = readCentral(cd, op, i);
    if (byName.has(e.name)) throw corrupt(op, `has two entries named ${JSON.stringify(e.name)}`, e.name);
    checkLocal(bytes, e, cdOffset, op);
    entries.push(e);
    byName.set(e.name, e);
  }
  if (cd.pos !== cdOffset + cdSize)
    throw corrupt(op, `central directory is ${cdSize} bytes but its ${total} entries take ${cd.pos - cdOffset}`);
  const sorted = [...entries].sort((a, b) => a.localOffset - b.localOffset);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    if (prev.dataOffset + prev.compressedSize > sorted[i]!.localOffset) {
      throw corrupt(op, `entries ${JSON.stringify(prev.name)} and ${JSON.stringify(sorted[i]!.name)} overlap`, sorted[i]!.name);
    }
  }
  return { bytes, entries, byName, maxInflateRatio: limits.maxInflateRatio };
}

/** The offset of the end-of-central-directory record (the last one whose comment reaches the end). */
function findEocd(bytes: Uint8Array, op: string): number {
  const min = Math.max(0, bytes.length - 22 - U16_MAX);
  for (let p = bytes.length - 22; p >= min; p--) {
    if (bytes[p] === 0x50 && bytes[p + 1] === 0x4b && bytes[p + 2] === 0x05 && bytes[p + 3] === 0x06) {
      const commentLen = bytes[p + 20]! | (bytes[p + 21]! << 8);
      if (p + 22 + commentLen === bytes.length) return p;
    }
  }
  throw corrupt(op, 'has no end-of-central-directory record (not a zip file, or truncated)');
}

function readCentral(cd: ByteReader, op: string, i: number): ZipEntry {
  if (cd.u32(`central entry ${i}`) !== SIG_CENTRAL) throw corrupt(op, `central directory entry ${i} has a bad signature`);
  cd.u16(); // version made by
  cd.u16(); // version needed
  const flags = cd.u16();
  const method = cd.u16();
  cd.u32(); // time, date
  const crc = cd.u32();
  let compressedSize = cd.u32();
  let size = cd.u32();
  const nameLen = cd.u16();
  const extraLen = cd.u16();
  const commentLen = cd.u16();
  const diskStart = cd.u16();
  cd.u16(); // internal attributes
  cd.u32(); // external attributes
  let localOffset = cd.u32();
  const nameBytes = cd.take(nameLen, 'entry name');
  const name = decodeName(nameBytes, (flags & 0x800) !== 0);
  const extra = new ByteReader(cd.take(extraLen, 'entry extra field'), op, `zip extra field of ${name}`);
  cd.take(commentLen, 'entry comment');
  // zip64 extended information: the 64-bit values of the fields that hold 0xffffffff, in order
  while (extra.remaining >= 4) {
    const id = extra.u16();
    const len = extra.u16();
    const body = new ByteReader(extra.take(len, 'extra field body'), op, `zip64 extra field of ${name}`);
    if (id !== 0x0001) continue;
    if (size === U32_MAX) size = body.u64('zip64 size');
    if (compressedSize === U32_MAX) compressedSize = body.u64('zip64 compressed size');
    if (localOffset === U32_MAX) localOffset = body.u64('zip64 local header offset');
  }
  if (diskStart !== 0 && diskStart !== U16_MAX)
    throw new SerializationError(`${op}: multi-disk (split) zip archives are not supported`, { op, key: name });
  if (flags & 0x41) {
    throw new SerializationError(`${op}: zip entry ${name} is encrypted`, { op, key: name, hint: 'decrypt the archive first' });
  }
  if (method !== 0 && method !== 8) {
    throw new SerializationError(
      `${op}: zip entry ${name} uses compression method ${method}; only stored (0) and deflate (8) are supported`,
      {
        op,
        key: name,
        hint: 'torch.save writes stored entries; re-save the file with torch.save',
      },
    );
  }
  if (method === 0 && compressedSize !== size)
    throw corrupt(op, `stored entry ${name} has compressed size ${compressedSize} but size ${size}`, name);
  return { name, method, crc, compressedSize, size, localOffset, dataOffset: 0 };
}

/** Check the entry's local header against its central record and set `dataOffset`. */
function checkLocal(bytes: Uint8Array, e: ZipEntry, cdOffset: number, op: string): void {
  if (!(e.localOffset + 30 <= cdOffset)) throw corrupt(op, `local header of ${e.name} (offset ${e.localOffset}) is out of range`, e.name);
  const r = new ByteReader(bytes, op, `zip local header of ${e.name}`, e.localOffset);
  if (r.u32() !== SIG_LOCAL) throw corrupt(op, `local header of ${e.name} has a bad signature`, e.name);
  r.u16(); // version needed
  r.u16(); // flags
  const method = r.u16();
  r.u32(); // time, date
  r.u32(); // crc (may be 0 with a data descriptor)
  r.u32(); // compressed size
  r.u32(); // size
  const nameLen = r.u16();
  const extraLen = r.u16();
  const name = decodeName(r.take(nameLen, 'entry name'), true);
  if (method !== e.method || (name !== e.name && decodeName(bytes.subarray(r.pos - nameLen, r.pos), false) !== e.name)) {
    throw corrupt(
      op,
      `local header of ${JSON.stringify(e.name)} disagrees with the central directory (name ${JSON.stringify(name)}, method ${method})`,
      e.name,
    );
  }
  e.dataOffset = e.localOffset + 30 + nameLen + extraLen;
  if (!(e.dataOffset + e.compressedSize <= cdOffset)) {
    throw corrupt(
      op,
      `data of ${e.name} (${e.compressedSize} bytes at offset ${e.dataOffset}) runs past the central directory at ${cdOffset}`,
      e.name,
    );
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');
function decodeName(b: Uint8Array, isUtf8: boolean): string {
  if (isUtf8) {
    try {
      return utf8.decode(b);
    } catch {
      /* fall back to latin1 (cp437 names of old writers) */
    }
  }
  return latin1.decode(b);
}

/**
 * @internal The bytes of one entry: a view into the archive for stored entries, a bounded
 * inflation (charged to `budget`) for deflated ones; its CRC-32 is checked either way.
 *
 * @example
 * const pkl = await readEntry(zip, zip.byName.get('archive/data.pkl')!, budget, 'load');
 */
export async function readEntry(zip: ZipArchive, e: ZipEntry, budget: ByteBudget, op: string): Promise<Uint8Array> {
  const raw = zip.bytes.subarray(e.dataOffset, e.dataOffset + e.compressedSize);
  let out = raw;
  if (e.method === 8) {
    // Note [Deflate bombs]
    // Deflate reaches a ratio of ~1000:1, so a 4 MB file can declare and really hold 4 GB of
    // zeros, all within the default maxBytes. torch.save never compresses and real tensors
    // deflate by ~1.1:1, so an entry may inflate to at most maxInflateRatio × its compressed size
    // (1 MiB always), checked against the declared size before inflating; the inflater stops at
    // the declared size.
    const allowed = Math.max(2 ** 20, zip.maxInflateRatio * e.compressedSize);
    if (e.size > allowed) {
      throw new LimitError(
        `${op}: zip entry ${e.name} declares ${e.size} bytes from ${e.compressedSize} compressed, past maxInflateRatio (${zip.maxInflateRatio})`,
        {
          op,
          key: e.name,
          limit: 'maxInflateRatio',
          hint: `if the file is trusted, raise the cap: dl.load(f, { maxInflateRatio: ${Math.ceil(e.size / Math.max(1, e.compressedSize))} })`,
        },
      );
    }
    budget.take(e.size, `inflating zip entry ${e.name}`, e.name);
    out = await inflateRaw(raw, e.size, op, e.name);
  }
  if (crc32(out) !== e.crc) throw corrupt(op, `entry ${e.name} fails its CRC-32 check`, e.name);
  return out;
}
