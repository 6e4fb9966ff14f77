/**
 * Child process of the atomic-write kill test: writes `<sizeMiB>` MiB to `<file>` in 1 MiB
 * chunks, prints `mid <temp path>` after the first chunk and then waits, so the parent can kill
 * it mid-write. Usage: node --import tsx atomic-write-child.ts <file> <sizeMiB>
 */
import { writeAtomic } from '../atomic-write.js';

const [file, size] = process.argv.slice(2);
const bytes = new Uint8Array(Number(size) * 2 ** 20).fill(0x4e);
await writeAtomic(file!, bytes, {
  chunkBytes: 2 ** 20,
  onProgress: async (written, _total, tmp) => {
    if (written !== 2 ** 20) return;
    process.stdout.write(`mid ${tmp}\n`);
    await new Promise((r) => setTimeout(r, 60_000));
  },
});
process.stdout.write('finished\n');
