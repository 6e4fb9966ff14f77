import { SerializationError } from './errors.js';

/**
 * @internal A bounds-checked little-endian cursor over bytes. Every read past the end throws a
 * {@link SerializationError} naming `what` was being read, never a RangeError.
 *
 * @example
 * const r = new ByteReader(bytes, 'load', 'zip archive'); r.u32('a signature');
 */
export class ByteReader {
  pos: number;
  private readonly dv: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly op: string,
    /** What the bytes are, for messages (`data.pkl`, `zip central directory`). */
    readonly source: string,
    start = 0,
  ) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
  }
  get length(): number {
    return this.bytes.length;
  }
  get remaining(): number {
    return this.bytes.length - this.pos;
  }
  /** Throw unless `n` more bytes are there. */
  need(n: number, what: string): void {
    if (!(n >= 0) || this.pos + n > this.bytes.length) {
      throw new SerializationError(
        `${this.op}: ${this.source} is truncated: ${what} needs ${n} bytes at offset ${this.pos}, ${Math.max(0, this.remaining)} left`,
        {
          op: this.op,
          hint: 'the file is corrupt or was cut short; write it again',
        },
      );
    }
  }
  u8(what = 'a byte'): number {
    this.need(1, what);
    return this.bytes[this.pos++]!;
  }
  u16(what = 'a u16'): number {
    this.need(2, what);
    const v = this.dv.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  u32(what = 'a u32'): number {
    this.need(4, what);
    const v = this.dv.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  i32(what = 'an i32'): number {
    this.need(4, what);
    const v = this.dv.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  /** A u64 as a number; values past 2^53 come back as Infinity (callers compare against caps). */
  u64(what = 'a u64'): number {
    this.need(8, what);
    const lo = this.dv.getUint32(this.pos, true);
    const hi = this.dv.getUint32(this.pos + 4, true);
    this.pos += 8;
    return hi >= 2 ** 21 ? Infinity : hi * 2 ** 32 + lo;
  }
  f64be(what = 'a float'): number {
    this.need(8, what);
    const v = this.dv.getFloat64(this.pos, false);
    this.pos += 8;
    return v;
  }
  /** `n` bytes as a view (no copy). */
  take(n: number, what: string): Uint8Array {
    this.need(n, what);
    const v = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  /** Bytes up to and excluding the next `\n` (consumed), at most `max` of them. */
  line(what: string, max = 4096): Uint8Array {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0 || end - this.pos > max) {
      throw new SerializationError(
        `${this.op}: ${this.source}: ${what} at offset ${this.pos} has no end of line${end < 0 ? '' : ` within ${max} bytes`}`,
        {
          op: this.op,
          hint: 'the file is corrupt or was cut short',
        },
      );
    }
    const v = this.bytes.subarray(this.pos, end);
    this.pos = end + 1;
    return v;
  }
}

/**
 * @internal A growable byte buffer with little-endian writers.
 *
 * @example
 * new ByteWriter().u8(0x80).u8(2).view(); // pickle protocol 2 header
 */
export class ByteWriter {
  private buf: Uint8Array;
  private dv: DataView;
  length = 0;
  constructor(initial = 1024) {
    this.buf = new Uint8Array(initial);
    this.dv = new DataView(this.buf.buffer);
  }
  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(0, this.length));
    this.buf = nb;
    this.dv = new DataView(nb.buffer);
  }
  u8(v: number): this {
    this.ensure(1);
    this.buf[this.length++] = v;
    return this;
  }
  u16(v: number): this {
    this.ensure(2);
    this.dv.setUint16(this.length, v, true);
    this.length += 2;
    return this;
  }
  u32(v: number): this {
    this.ensure(4);
    this.dv.setUint32(this.length, v >>> 0, true);
    this.length += 4;
    return this;
  }
  i32(v: number): this {
    this.ensure(4);
    this.dv.setInt32(this.length, v, true);
    this.length += 4;
    return this;
  }
  u64(v: number): this {
    this.ensure(8);
    this.dv.setUint32(this.length, v % 2 ** 32, true);
    this.dv.setUint32(this.length + 4, Math.floor(v / 2 ** 32), true);
    this.length += 8;
    return this;
  }
  f64be(v: number): this {
    this.ensure(8);
    this.dv.setFloat64(this.length, v, false);
    this.length += 8;
    return this;
  }
  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }
  /** The bytes written so far (a view; copy it before writing more if you keep it). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/**
 * UTF-8 bytes of a string.
 *
 * @example
 * encodeUtf8('archive/data.pkl');
 */
export function encodeUtf8(s: string): Uint8Array {
  return utf8.encode(s);
}

/**
 * Decode UTF-8, throwing a {@link SerializationError} on invalid bytes.
 *
 * @example
 * decodeUtf8(headerBytes, 'load', 'the safetensors header');
 */
export function decodeUtf8(b: Uint8Array, op: string, what: string): string {
  try {
    return utf8Strict.decode(b);
  } catch {
    throw new SerializationError(`${op}: ${what} is not valid UTF-8`, { op, hint: 'the file is corrupt' });
  }
}

/** Is the host little-endian (typed arrays in file byte order)? */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
