import { deflateRawSync } from 'node:zlib';
import { crc32 } from './crc32.js';

const enc = new TextEncoder();

/**
 * @internal (tests) A one-entry zip whose entry is deflated; `declared` overrides the
 * uncompressed size in the headers (a lie for bomb tests).
 *
 * @example
 * deflatedZip('a/big', new Uint8Array(1 << 20), 1000);
 */
export function deflatedZip(name: string, body: Uint8Array, declared = body.length): Uint8Array {
  const data = new Uint8Array(deflateRawSync(body));
  const nb = enc.encode(name);
  const out = new Uint8Array(30 + nb.length + data.length + 46 + nb.length + 22);
  const dv = new DataView(out.buffer);
  const crc = crc32(body);
  let p = 0;
  const u16 = (v: number) => {
    dv.setUint16(p, v, true);
    p += 2;
  };
  const u32 = (v: number) => {
    dv.setUint32(p, v, true);
    p += 4;
  };
  u32(0x04034b50);
  u16(20);
  u16(0);
  u16(8);
  u32(0);
  u32(crc);
  u32(data.length);
  u32(declared);
  u16(nb.length);
  u16(0);
  out.set(nb, p);
  p += nb.length;
  out.set(data, p);
  p += data.length;
  const cd = p;
  u32(0x02014b50);
  u16(20);
  u16(20);
  u16(0);
  u16(8);
  u32(0);
  u32(crc);
  u32(data.length);
  u32(declared);
  u16(nb.length);
  u16(0);
  u16(0);
  u16(0);
  u16(0);
  u32(0);
  u32(0);
  out.set(nb, p);
  p += nb.length;
  const cdSize = p - cd;
  u32(0x06054b50);
  u16(0);
  u16(0);
  u16(1);
  u16(1);
  u32(cdSize);
  u32(cd);
  u16(0);
  return out;
}
