import { encodeUtf8 } from './bytes.js';
import { crc32 } from './crc32.js';
import { SerializationError } from './errors.js';

/** @internal One file to put in an archive. */
export interface ZipInput {
  name: string;
  data: Uint8Array;
}

/** Data of every entry starts at a multiple of this (as torch.save, so readers may map it). */
const ALIGN = 64;
const U32_MAX = 0xffffffff;

/**
 * @internal A zip archive of stored (uncompressed) entries, laid out as `torch.save` lays its
 * files: each entry's data aligned to 64 bytes by a padding extra field (id `FB`), UTF-8 names,
 * CRC-32s, one central directory. Archives past 4 GiB (zip64) are refused.
 *
 * @example
 * const bytes = writeZip([{ name: 'archive/version', data: new TextEncoder().encode('3\n') }]);
 */
export function writeZip(inputs: readonly ZipInput[], op = 'save'): Uint8Array {
  const names = inputs.map((e) => encodeUtf8(e.name));
  // layout pass: where each local header and its data go
  const local: number[] = [];
  const pads: number[] = [];
  let pos = 0;
  inputs.forEach((e, i) => {
    const headerEnd = pos + 30 + names[i]!.length;
    // an extra field is at least 4 bytes (id + length), so pad to the next aligned offset past that
    let pad = (ALIGN - ((headerEnd + 4) % ALIGN)) % ALIGN;
    if (e.data.length === 0) pad = -4; // nothing to align: no extra field
    local.push(pos);
    pads.push(pad);
    pos = headerEnd + (pad >= 0 ? 4 + pad : 0) + e.data.length;
  });
  const cdOffset = pos;
  const cdSize = names.reduce((s, n) => s + 46 + n.length, 0);
  const total = cdOffset + cdSize + 22;
  if (total > U32_MAX || inputs.length >= 0xffff) {
    throw new SerializationError(
      `${op}: the archive would be ${total} bytes in ${inputs.length} entries, past what a zip without zip64 holds (4 GiB, 65535 entries)`,
      {
        op,
        hint: 'split the object into several files (e.g. one per module), or use the safetensors format',
      },
    );
  }
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  const crcs = inputs.map((e) => crc32(e.data));
  let p = 0;
  const u16 = (v: number) => {
    dv.setUint16(p, v, true);
    p += 2;
  };
  const u32 = (v: number) => {
    dv.setUint32(p, v >>> 0, true);
    p += 4;
  };
  inputs.forEach((e, i) => {
    const extraLen = pads[i]! >= 0 ? 4 + pads[i]! : 0;
    u32(0x04034b50);
    u16(20); // version needed: 2.0
    u16(0x0800); // flags: UTF-8 names
    u16(0); // stored
    u16(0); // time
    u16(0x21); // date: 1980-01-01
    u32(crcs[i]!);
    u32(e.data.length);
    u32(e.data.length);
    u16(names[i]!.length);
    u16(extraLen);
    out.set(names[i]!, p);
    p += names[i]!.length;
    if (extraLen) {
      u16(0x4246); // 'FB', as torch's writer
      u16(pads[i]!);
      out.fill(0x5a, p, p + pads[i]!); // 'Z'
      p += pads[i]!;
    }
    out.set(e.data, p);
    p += e.data.length;
  });
  inputs.forEach((e, i) => {
    u32(0x02014b50);
    u16(0x031e); // made by: unix, 3.0
    u16(20);
    u16(0x0800);
    u16(0);
    u16(0);
    u16(0x21);
    u32(crcs[i]!);
    u32(e.data.length);
    u32(e.data.length);
    u16(names[i]!.length);
    u16(0); // extra
    u16(0); // comment
    u16(0); // disk
    u16(0); // internal attributes
    u32(0o100644 << 16); // external attributes: a regular file, rw-r--r--
    u32(local[i]!);
    out.set(names[i]!, p);
    p += names[i]!.length;
  });
  u32(0x06054b50);
  u16(0);
  u16(0);
  u16(inputs.length);
  u16(inputs.length);
  u32(cdSize);
  u32(cdOffset);
  u16(0);
  return out;
}
