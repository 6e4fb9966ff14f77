import { SerializationError } from './errors.js';

/**
 * Inflate raw deflate data (a zip entry of method 8) to exactly `expected` bytes, with the
 * platform's `DecompressionStream('deflate-raw')` (browsers, Node ≥ 20). Bounded: it stops and
 * throws as soon as the output passes `expected` (the caller has checked `expected` against its
 * caps), and it never allocates more than it has inflated.
 *
 * @example
 * const out = await inflateRaw(entryBytes, 1024, 'load', 'archive/data.pkl');
 */
export async function inflateRaw(data: Uint8Array, expected: number, op: string, key: string): Promise<Uint8Array> {
  const DS = (globalThis as { DecompressionStream?: typeof DecompressionStream }).DecompressionStream;
  let ds: DecompressionStream;
  try {
    if (!DS) throw new Error('no DecompressionStream');
    ds = new DS('deflate-raw' as CompressionFormat);
  } catch {
    throw new SerializationError(`${op}: zip entry ${key} is deflated, and this platform has no DecompressionStream('deflate-raw')`, {
      op,
      key,
      hint: 'torch.save never compresses; re-save the file with torch.save, or load it on Node ≥ 20 or a current browser',
    });
  }
  const writer = ds.writable.getWriter();
  // Errors surface on the reader; these promises must not reject unhandled.
  writer.write((data.buffer instanceof ArrayBuffer ? data : data.slice()) as Uint8Array<ArrayBuffer>).catch(() => {});
  writer.close().catch(() => {});
  const reader = ds.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > expected) {
        throw new SerializationError(`${op}: zip entry ${key} inflates past its declared size (${expected} bytes)`, {
          op,
          key,
          hint: 'the file is corrupt or a decompression bomb',
        });
      }
      chunks.push(value);
    }
  } catch (e) {
    reader.cancel().catch(() => {});
    if (e instanceof SerializationError) throw e;
    throw new SerializationError(`${op}: zip entry ${key} is not valid deflate data (${(e as Error)?.message ?? e})`, {
      op,
      key,
      hint: 'the file is corrupt or was cut short',
    });
  }
  if (total !== expected) {
    throw new SerializationError(`${op}: zip entry ${key} inflates to ${total} bytes, its header says ${expected}`, {
      op,
      key,
      hint: 'the file is corrupt or was cut short',
    });
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let p = 0;
  for (const c of chunks) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}
