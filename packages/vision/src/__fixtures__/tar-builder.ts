/** Build tar archives byte by byte for tests (ustar headers with correct or chosen fields). */
import { concat } from './fuzz.js';

export interface TarMember {
  name: string;
  data?: Uint8Array;
  /** '0' file (default), '5' folder, '1' hard link, '2' symlink, 'x' pax header, 'L' GNU long name… */
  type?: string;
  /** The size field's 12 bytes as text (default: the data's length in octal). */
  sizeField?: string;
  /** Raw bytes for the size field (base-256, say). */
  sizeBytes?: Uint8Array;
  prefix?: string;
  linkname?: string;
  badChecksum?: boolean;
}

function put(h: Uint8Array, off: number, s: string): void {
  h.set(new TextEncoder().encode(s), off);
}

/** Recompute the checksum of a 512-byte header in place. */
export function fixChecksum(h: Uint8Array): void {
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += h[i]!;
  put(h, 148, `${sum.toString(8).padStart(6, '0')}\0 `);
}

export function tarHeader(m: TarMember): Uint8Array {
  const h = new Uint8Array(512);
  const size = m.data?.length ?? 0;
  put(h, 0, m.name.slice(0, 100));
  put(h, 100, '0000644\0');
  put(h, 108, '0000000\0');
  put(h, 116, '0000000\0');
  if (m.sizeBytes) h.set(m.sizeBytes, 124);
  else put(h, 124, m.sizeField ?? `${size.toString(8).padStart(11, '0')}\0`);
  put(h, 136, '00000000000\0');
  put(h, 156, m.type ?? '0');
  if (m.linkname) put(h, 157, m.linkname);
  put(h, 257, 'ustar\0');
  put(h, 263, '00');
  if (m.prefix) put(h, 345, m.prefix);
  fixChecksum(h);
  if (m.badChecksum) h[148]! ^= 1;
  return h;
}

/** A tar archive of `members`, each padded to 512 bytes, ended by two zero blocks. */
export function buildTar(members: readonly TarMember[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const m of members) {
    parts.push(tarHeader(m));
    const d = m.data ?? new Uint8Array(0);
    parts.push(d, new Uint8Array((512 - (d.length % 512)) % 512));
  }
  parts.push(new Uint8Array(1024));
  return concat(parts);
}

/** A pax extended header's body with the given records. */
export function paxBody(records: Record<string, string>): Uint8Array {
  let s = '';
  for (const [k, v] of Object.entries(records)) {
    const body = ` ${k}=${v}\n`;
    let n = body.length + 1;
    while (String(n).length + body.length !== n) n = String(n).length + body.length;
    s += `${n}${body}`;
  }
  return new TextEncoder().encode(s);
}
