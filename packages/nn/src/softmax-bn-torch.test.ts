import { readFileSync } from 'node:fs';
import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import { noGrad } from '@dl/autograd';
import { describe, expect, it } from 'vitest';
import '@dl/backend-cpu';
import { F, nn } from './index.js';

/**
 * PyTorch 1.13 values for F.crossEntropy and nn.BatchNorm2d at sizes that take the cpu backend's
 * fused softmax / batch-norm kernels, forward and backward through autograd (losses, gradients,
 * running statistics, grad_fn names). Written by `tools/fixtures/softmax_bn_fixtures.py` (inputs
 * rebuilt here from its LCG; outputs torch's float64 result as base64 float32).
 */

interface Input {
  shape: number[];
  seed: number;
  lo: number;
  hi: number;
  int?: boolean;
}
interface CeCase {
  name: string;
  x: Input;
  target: Input;
  weight?: Input;
  opts: { ignore_index?: number; label_smoothing?: number; reduction?: 'mean' | 'sum' | 'none' };
  loss: string;
  lossShape: number[];
  gx: string;
  gradFn: string;
}
interface BnCase {
  name: string;
  momentum: number | null;
  x: Input;
  w: Input;
  b: Input;
  y1: string;
  gx: string;
  gw: string;
  gb: string;
  runningMean: string;
  runningVar: string;
  yEval: string;
  gradFn: string;
}
const doc = JSON.parse(readFileSync(new URL('./fixtures/softmax-bn-train.json', import.meta.url), 'utf8')) as {
  crossEntropy: CeCase[];
  batchNorm2d: BnCase[];
};

/** The fixture script's LCG: integers k in [lo, hi], as int64 targets or k / 1024 float32 values. */
function build(spec: Input): Tensor {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const span = spec.hi - spec.lo + 1;
  const v = new Float64Array(n);
  let s = spec.seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) % 4294967296;
    v[i] = spec.lo + (Math.floor(s / 256) % span);
  }
  if (spec.int) return dl.tensor(Array.from(v), { dtype: 'int64' as never }).reshape(spec.shape);
  return dl.tensor(Float32Array.from(v, (k) => k / 1024)).reshape(spec.shape);
}

function decode(b64: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

function expectClose(what: string, got: Tensor, want: Float32Array, rtol = 1e-5, atol = 1e-5): void {
  const g = got.dataSync() as Float32Array;
  expect(g.length, what).toBe(want.length);
  let max = 0;
  for (const w of want) if (Number.isFinite(w)) max = Math.max(max, Math.abs(w));
  let bad = 0;
  let first = '';
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const x = g[i]!;
    const ok = Number.isFinite(w)
      ? Math.abs(x - w) <= rtol * Math.abs(w) + atol * max
      : Object.is(x, w) || (Number.isNaN(w) && Number.isNaN(x));
    if (!ok && bad++ === 0) first = `element ${i}: got ${x}, expected ${w}`;
  }
  expect(bad === 0 ? null : `${what}: ${bad} elements differ, first ${first}`).toBeNull();
}

describe('F.crossEntropy on the fused logSoftmax kernel matches PyTorch', () => {
  for (const c of doc.crossEntropy) {
    it(c.name, () => {
      const x = build(c.x).requiresGrad_();
      expect(x.numel()).toBeGreaterThanOrEqual(16384);
      const target = build(c.target);
      const loss = F.crossEntropy(x, target, {
        ignoreIndex: c.opts.ignore_index,
        labelSmoothing: c.opts.label_smoothing,
        reduction: c.opts.reduction,
        weight: c.weight ? build(c.weight) : undefined,
      });
      expect(loss.shape).toEqual(c.lossShape);
      expect(loss.gradFn!.name()).toBe(c.gradFn);
      expectClose(`${c.name} loss`, loss, decode(c.loss));
      const gl = loss.dim() === 0 ? dl.onesLike(loss) : build({ shape: [...loss.shape], seed: 99, lo: -4096, hi: 4096 });
      loss.backward(gl);
      expectClose(`${c.name} grad`, x.grad!, decode(c.gx));
    });
  }

  it('the logSoftmax node under the loss is LogSoftmaxBackward0, and the backward runs one fused kernel each for nll and logSoftmax', () => {
    const c = doc.crossEntropy[0]!;
    const x = build(c.x).requiresGrad_();
    const logp = x.logSoftmax(1);
    expect(logp.gradFn!.name()).toBe('LogSoftmaxBackward0');
    const prof = dl.profile(() => F.nllLoss(logp, build(c.target)).backward());
    expect(prof.row('logSoftmaxBackward', 'cpu')?.calls).toBe(1);
    expect(prof.row('nllLossBackward', 'cpu')?.calls).toBe(1);
  });
});

describe('nn.BatchNorm2d on the fused batch-norm kernels matches PyTorch', () => {
  for (const c of doc.batchNorm2d) {
    it(c.name, () => {
      const C = c.x.shape[1]!;
      const m = new nn.BatchNorm2d(C, { momentum: c.momentum });
      noGrad(() => {
        m.weight!.copy_(build(c.w));
        m.bias!.copy_(build(c.b));
      });
      const x1 = build(c.x).requiresGrad_();
      expect(x1.shape[0]).toBeGreaterThanOrEqual(8);
      const y1 = m.forward(x1);
      expect(y1.gradFn!.name()).toBe(c.gradFn);
      expectClose(`${c.name} y (train)`, y1, decode(c.y1));
      y1.backward(build({ ...c.x, seed: c.x.seed + 200 }));
      expectClose(`${c.name} grad x`, x1.grad!, decode(c.gx));
      expectClose(`${c.name} grad weight`, m.weight!.grad!, decode(c.gw));
      expectClose(`${c.name} grad bias`, m.bias!.grad!, decode(c.gb));
      const x2 = build({ ...c.x, seed: c.x.seed + 100 });
      m.forward(x2);
      expectClose(`${c.name} running mean`, m.runningMean!, decode(c.runningMean), 1e-5, 1e-6);
      expectClose(`${c.name} running var`, m.runningVar!, decode(c.runningVar), 1e-5, 1e-6);
      m.eval();
      expectClose(`${c.name} y (eval)`, m.forward(x2), decode(c.yEval));
    });
  }
});
