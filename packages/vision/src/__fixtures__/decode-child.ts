/**
 * Child process for tests of inputs that once aborted Node: decodes each file given on the
 * command line (`ours` = dl's reader, `pngjs` = pngjs's sync reader, `folder` = ImageFolder
 * on a root) under each set of limits given (a JSON array), and prints one JSON line per
 * item, so the parent sees how far it got.
 *   node --conditions=@dl/source --import tsx decode-child.ts ours '[{}, {"maxImagePixels":1e9}]' a.png b.png
 */
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { DLError } from '@dl/tensor';
import { decodeImage } from '../datasets/decode-image.js';
import { ImageFolder } from '../datasets/folder.js';

const [mode, limitsJson, ...args] = process.argv.slice(2);
const limitSets = JSON.parse(limitsJson ?? '[{}]') as Record<string, number>[];
const report = (name: string, f: () => string) => {
  try {
    process.stdout.write(JSON.stringify({ name, ok: f() }) + '\n');
  } catch (e) {
    process.stdout.write(JSON.stringify({ name, error: (e as Error).constructor.name, typed: e instanceof DLError, message: (e as Error).message }) + '\n');
  }
};
for (const limits of limitSets) {
  if (mode === 'folder') {
    const ds = new ImageFolder({ root: args[0]!, limits });
    for (let i = 0; i < ds.length; i++) report(ds.samples[i]![0], () => `${ds.getItem(i)[0].width}x${ds.getItem(i)[0].height}`);
    continue;
  }
  for (const f of args) {
    report(f, () => {
      const bytes = readFileSync(f);
      const img = mode === 'pngjs' ? PNG.sync.read(bytes) : decodeImage(bytes, f, limits);
      return `${img.width}x${img.height}`;
    });
  }
}
process.stdout.write('done\n');
