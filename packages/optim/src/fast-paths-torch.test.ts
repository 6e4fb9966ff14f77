import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import {
  fastPathInput,
  fastPathMismatches,
  loadFastPathFixtures,
  watchFastSeams,
  withoutFastSeams,
  type FastPathCase,
} from '@dl/tensor/testing';
import { cpuBackend, setNumThreads } from '@dl/backend-cpu';
import { nn, F } from '@dl/nn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Adagrad, Adam, AdamW, RMSprop, SGD, type Optimizer } from './index.js';

/**
 * PyTorch values for training at sizes that reach the cpu fast paths: nn.Linear, F.conv2d,
 * F.maxPool2d, relu, softmax, logSoftmax, F.crossEntropy, F.batchNorm forward and gradients, and
 * SGD/Adam/AdamW steps over a 16K-element parameter (Note [Fast-path fixtures] in
 * @dl/tensor/testing: inputs, tolerances; `tools/fixtures/fast_path_fixtures.py` writes
 * `fixtures/fast-paths-train.json.gz`; the tensor-op half is packages/backend-cpu/src/fast-paths-torch.test.ts).
 * Gradients are those of `(out * g).sum()` with a fixture `g`.
 *
 * Every case runs with the fast paths as installed (checking that it reached the seams it names)
 * and with the cpu backend's fast seams emptied. Run it with `DL_CPU_WASM=0` too (nothing installed,
 * no wasm heap): `DL_CPU_WASM=0 npx vitest run src/fast-paths-torch.test.ts`.
 */

const cases = loadFastPathFixtures(new URL('./fixtures/fast-paths-train.json.gz', import.meta.url));
const OPTIMIZERS = ['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad'];

const camel = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/_([a-z])/g, (_m, ch: string) => ch.toUpperCase()), v]));

/** `(out * g).sum().backward()`, then the gradients of the named leaves. */
function withGrads(out: Tensor, g: Tensor, leaves: Record<string, Tensor>): Record<string, Tensor> {
  out.mul(g).sum().backward();
  const r: Record<string, Tensor> = { out };
  for (const [k, v] of Object.entries(leaves)) r[`grad.${k}`] = v.grad!;
  return r;
}

function run(c: FastPathCase, x: Record<string, Tensor>): Record<string, Tensor> {
  const a = c.args as Record<string, unknown>;
  if (OPTIMIZERS.includes(c.kind)) {
    const p = x.p!.clone().requiresGrad_();
    const q = x.q?.clone().requiresGrad_();
    const Ctor = { sgd: SGD, adam: Adam, adamw: AdamW, rmsprop: RMSprop, adagrad: Adagrad }[c.kind] as unknown as new (
      ps: Tensor[],
      o: object,
    ) => Optimizer;
    const opt = new Ctor(q ? [p, q] : [p], camel(a.opts as Record<string, unknown>));
    for (let k = 0; k < (a.steps as number); k++) {
      if (a.lrs) opt.paramGroups[0]!.lr = (a.lrs as number[])[k]!;
      opt.zeroGrad();
      let loss = p.mul(x[`g${k}`]!).sum();
      if (q) loss = loss.add(q.mul(x[`h${k}`]!).sum());
      loss.backward();
      opt.step();
    }
    return q ? { p, q } : { p };
  }
  const leaves: Record<string, Tensor> = {};
  const data = ['g', 'target', 'rm', 'rv', ...(c.kind === 'mlpStep' ? ['x'] : [])];
  for (const [k, v] of Object.entries(x)) if (!data.includes(k)) leaves[k] = v.requiresGrad_();
  const L = leaves as Record<string, Tensor>;
  switch (c.kind) {
    case 'linear': {
      const [outF, inF] = L.w!.shape as [number, number];
      const lin = new nn.Linear(inF, outF);
      lin.weight.detach().copy_(L.w!);
      lin.bias!.detach().copy_(L.b!);
      const r = withGrads(lin.forward(L.x!), x.g!, { x: L.x! });
      return { ...r, 'grad.w': lin.weight.grad!, 'grad.b': lin.bias!.grad! };
    }
    case 'conv2d':
      return withGrads(F.conv2d(L.x!, L.w!, L.b ?? null, a as F.Conv2dOptions), x.g!, L);
    case 'maxPool2d':
      return withGrads(F.maxPool2d(L.x!, a.kernel as number, { stride: a.stride as number, padding: (a.padding as number) ?? 0 }), x.g!, L);
    case 'avgPool2d':
      return withGrads(F.avgPool2d(L.x!, a.kernel as number, { stride: a.stride as number, padding: (a.padding as number) ?? 0 }), x.g!, L);
    case 'layerNorm':
      return withGrads(F.layerNorm(L.x!, a.shape as number[], { weight: L.w ?? null, bias: L.b ?? null, eps: 1e-5 }), x.g!, L);
    case 'relu':
      return withGrads(F.relu(L.x!), x.g!, L);
    case 'softmax':
      return withGrads(F.softmax(L.x!, a.dim as number), x.g!, L);
    case 'logSoftmax':
      return withGrads(F.logSoftmax(L.x!, a.dim as number), x.g!, L);
    case 'crossEntropy': {
      const out = F.crossEntropy(L.x!, x.target!);
      out.backward();
      return { out, 'grad.x': L.x!.grad! };
    }
    case 'batchNorm': {
      const rm = x.rm!.clone(),
        rv = x.rv!.clone();
      const out = F.batchNorm(L.x!, rm, rv, {
        weight: L.w!,
        bias: L.b!,
        training: (a.training as boolean | undefined) ?? true,
        momentum: 0.1,
        eps: 1e-5,
      });
      return { ...withGrads(out, x.g!, L), runningMean: rm, runningVar: rv };
    }
    case 'mlpStep': {
      const h = F.relu(F.linear(x.x!, L.w1!, L.b1!));
      const out = F.crossEntropy(F.linear(h, L.w2!, L.b2!), x.target!);
      out.backward();
      const r: Record<string, Tensor> = { out };
      for (const k of ['w1', 'b1', 'w2', 'b2']) r[`grad.${k}`] = L[k]!.grad!;
      return r;
    }
    default:
      throw new Error(`unknown fixture kind ${c.kind}`);
  }
}

// the fused wasm kernels that work on heap buffers decline with the heap off (values are still checked)
const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
const wasmOn = env?.DL_CPU_WASM !== '0' && env?.DL_CPU_WASM_HEAP !== '0';

describe.each(['fast paths', 'reference kernels'] as const)('training against PyTorch at fast-path sizes: %s', (mode) => {
  let watch: ReturnType<typeof watchFastSeams> | undefined;
  let restore: (() => void) | undefined;
  beforeAll(() => {
    setNumThreads(2); // the GEMM's worker split runs even on a one-core machine
    if (mode === 'fast paths') watch = watchFastSeams(cpuBackend);
    else restore = withoutFastSeams(cpuBackend);
  });
  afterAll(() => {
    watch?.restore();
    restore?.();
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, s]) => [k, fastPathInput(s)]));
    watch?.taken.clear();
    const outs = run(c, inputs);
    expect(Object.keys(outs).sort()).toEqual(Object.keys(c.outputs).sort());
    for (const [k, spec] of Object.entries(c.outputs)) {
      const t = outs[k]!;
      expect(t.shape, `${k} shape`).toEqual(spec.shape);
      expect(fastPathMismatches(t.dataSync() as ArrayLike<number>, spec), k).toBe('');
    }
    if (watch && wasmOn) for (const p of c.paths) expect(watch.taken.has(p), `reached fast.${p}`).toBe(true);
  });
});

it('the fixtures cover every training kind', () => {
  expect(new Set(cases.map((c) => c.kind))).toEqual(
    new Set([
      'linear',
      'conv2d',
      'maxPool2d',
      'avgPool2d',
      'relu',
      'softmax',
      'logSoftmax',
      'crossEntropy',
      'batchNorm',
      'mlpStep',
      'sgd',
      'adam',
      'adamw',
      'rmsprop',
      'adagrad',
      'layerNorm',
    ]),
  );
  expect(dl.getDefaultDevice()).toBe('cpu');
});
