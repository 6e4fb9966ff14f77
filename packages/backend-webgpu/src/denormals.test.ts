/**
 * Denormal (subnormal) float32 values on webgpu — the behaviour README.md ("Denormals") documents:
 * moving values (upload, download, copy, fill, where, gather, spill) never changes a bit, on any
 * device; arithmetic keeps subnormals where the device does (lavapipe does: then the results equal
 * torch's, fixtures/edge.json) and flushes them to ±0 where it does not (WGSL allows both).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as dl from '@dl/tensor';
import type { BinaryOp, TensorView, UnaryOp } from '@dl/tensor/backend';
import { webgpu } from './index.js';
import { download, empty, setupGpu, upload } from './test-gpu.js';

const be = await setupGpu(webgpu);
afterAll(() => be?.destroy());

const d = (JSON.parse(readFileSync(new URL('./fixtures/edge.json', import.meta.url), 'utf8')) as { denormal: Record<string, number[]> })
  .denormal;

/** float32 words: 1e-40, -1e-40, the smallest subnormal, the largest subnormal, and NaNs with payloads. */
const WORDS = [0x000116c2, 0x800116c2, 0x00000001, 0x007fffff, 0x7fc12345, 0xffa00001, 0x80000000];
const bitsOf = (a: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(a).buffer));

describe.runIf(be)('webgpu denormals', () => {
  const gpu = be!;
  const uploadWords = (words: number[]): TensorView => {
    const buffer = gpu.allocate('float32', words.length);
    gpu.write(buffer, 'float32', new Float32Array(Uint32Array.from(words).buffer), 0);
    return { buffer, dtype: 'float32', shape: [words.length], strides: [1], offset: 0 };
  };
  const readWords = async (v: TensorView) =>
    Array.from(new Uint32Array((await gpu.read(v.buffer, 'float32', v.offset, v.shape[0]!)).buffer));

  it('upload / download / copy / strided copy / where / gather keep every bit (subnormals, NaN payloads, -0)', async () => {
    const x = uploadWords(WORDS);
    expect(await readWords(x)).toEqual(WORDS);
    const c = empty(gpu, 'float32', [WORDS.length]);
    gpu.copy(x, c);
    expect(await readWords(c)).toEqual(WORDS);
    const wide = empty(gpu, 'float32', [2 * WORDS.length]);
    gpu.copy(x, { ...wide, shape: [WORDS.length], strides: [2], offset: 1 }); // strided output
    expect((await readWords(wide)).filter((_, i) => i % 2 === 1)).toEqual(WORDS);
    const w = empty(gpu, 'float32', [WORDS.length]);
    gpu.where(
      upload(
        gpu,
        'bool',
        WORDS.map(() => 1),
      ),
      x,
      empty(gpu, 'float32', [WORDS.length]),
      w,
    );
    expect(await readWords(w)).toEqual(WORDS);
    const g = empty(gpu, 'float32', [WORDS.length]);
    gpu.gather(
      x,
      0,
      upload(
        gpu,
        'int32',
        WORDS.map((_, i) => i),
      ),
      g,
    );
    expect(await readWords(g)).toEqual(WORDS);
  });

  it('fill with a subnormal value and dl.tensor round trips are exact', async () => {
    const f = empty(gpu, 'float32', [3]);
    gpu.fill(f, 1e-40);
    expect(bitsOf(await download(gpu, f))).toEqual(bitsOf([1e-40, 1e-40, 1e-40]));
    const t = dl.tensor(d.x!, { device: 'webgpu' });
    expect(bitsOf(await t.data())).toEqual(bitsOf(d.x!));
    expect(bitsOf(await t.clone().data())).toEqual(bitsOf(d.x!));
  });

  it('arithmetic: equals torch where the device keeps subnormals, else gives ±0 (never garbage)', async () => {
    const x = upload(gpu, 'float32', d.x!);
    const un = async (op: UnaryOp, v: TensorView = x) => {
      const o = empty(gpu, 'float32', v.shape);
      gpu.unary(op, v, o);
      return download(gpu, o);
    };
    const bin = async (op: BinaryOp, a: TensorView, b: TensorView) => {
      const o = empty(gpu, 'float32', a.shape);
      gpu.binary(op, a, b, o);
      return download(gpu, o);
    };
    const n = d.x!.length;
    const got: Record<string, number[]> = {
      add_self: await bin('add', x, x),
      mul_one: await bin('mul', x, upload(gpu, 'float32', Array(n).fill(1))),
      mul_half: await bin('mul', x, upload(gpu, 'float32', Array(n).fill(0.5))),
      neg: await un('neg'),
      sin: await un('sin'),
      normal_times_tiny: await bin('mul', upload(gpu, 'float32', [1e-20]), upload(gpu, 'float32', [1e-20])),
      exp_neg100: await un('exp', upload(gpu, 'float32', d.exp_neg100_x!)),
      log: await un('log', upload(gpu, 'float32', d.x!.map(Math.abs))),
      pow_half: await bin('pow', upload(gpu, 'float32', d.x!.map(Math.abs)), upload(gpu, 'float32', Array(n).fill(0.5))),
    };
    const keeps = got.add_self![0] !== 0;
    console.info(`webgpu adapter ${keeps ? 'keeps' : 'flushes'} float32 subnormals`);
    for (const [k, vals] of Object.entries(got)) {
      const want = d[k]!;
      vals.forEach((v, i) => {
        if (!keeps) {
          // a flushed input: log(0) = -inf, 0^0.5 = 0; a flushed result: 0
          if (k === 'log') expect(v, `${k}[${i}]`).toBe(-Infinity);
          else if (Math.abs(want[i]!) < 1.1754943508222875e-38 || k === 'pow_half') expect(v, `${k}[${i}]`).toBe(0);
          else expect(v, `${k}[${i}]`).toBe(want[i]);
        } else if (k === 'log' || k === 'pow_half') {
          // the builtins treat subnormal inputs as FLT_MIN (log gave -88.02 for log(1e-40)); dl rescales
          // them. pow is exp2(b * log2(a)) in float32: ~|b log2 a| ulps (1e-40^0.5 was 1.08e-19 before)
          const rtol = k === 'log' ? 4e-7 : 1e-5;
          expect(Math.abs(v - want[i]!), `${k}[${i}]: ${v} vs torch ${want[i]}`).toBeLessThanOrEqual(rtol * Math.abs(want[i]!));
        } else if (k === 'exp_neg100') {
          expect(Math.abs(v - want[i]!), `${k}[${i}]: ${v} vs torch ${want[i]}`).toBeLessThanOrEqual(2 * 2 ** -149 + 4e-7 * want[i]!);
        } else {
          expect(v, `${k}[${i}]`).toBe(want[i]);
        }
      });
    }
  });
});
