/**
 * Generates the WebAssembly SIMD loops of the multi-tensor optimizer step (`optim.ts`) with the
 * assembler of this folder: one exported function per update rule and option set, so the loop
 * body has no branches (Note [Fused optimizer step] in @dl/tensor's ops/foreach.ts).
 *
 * Every function has one signature: `(p, g, s1, s2, s3, n4, k0 … k7)` — byte pointers to the
 * param, the grad and up to three state arrays, `n4` groups of 4 floats, and eight f32 scalars
 * (splatted once). Each group is read once and written once; the float32 operations are the
 * per-tensor path's (optim's `updateGroup`), in its order:
 *
 *   sgd:  d = ±g (+ p*wd);  buf = first ? d : buf*mom + d*(1-damp);  d = nesterov ? d + buf*mom : buf;
 *         p = p + d*(-lr)                                  k0 wd, k1 mom, k2 1-damp, k3 -lr
 *   adam: d = ±g;  p = p*(1-lr*wd) [AdamW]  or  d = d + p*wd [Adam];  m = m*b1 + d*(1-b1);
 *         v = v*b2 + (d*d)*(1-b2);  [amsgrad: mx = max(mx, v)];  den = sqrt(v or mx)/bc2sqrt + eps;
 *         p = p + (m/den)*(-lr/bc1)                        k0 wd or 1-lr*wd, k1 b1, k2 1-b1,
 *                                                          k3 b2, k4 1-b2, k5 bc2sqrt, k6 eps, k7 -lr/bc1
 *   rmsprop: d = ±g (+ p*wd);  sq = sq*a + (d*d)*(1-a);  [centered: ga = ga*a + d*(1-a);
 *         sq' = sq + (ga*ga)*(-1)];  q = d / (sqrt(sq') + eps);  [momentum: buf = buf*mom + q; q = buf];
 *         p = p + q*(-lr)                                  k0 wd, k1 a, k2 1-a, k3 eps, k4 mom, k5 -lr
 *   adagrad: d = ±g (+ p*wd);  sum = sum + d*d;  p = p + (d / (sqrt(sum) + eps))*(-clr)
 *                                                          k0 wd, k1 eps, k2 -lr/(1+(step-1)*decay)
 */
import { ModuleBuilder, ValType, type CodeBuilder } from './assembler.js';

/** Options that select a generated sgd loop. */
export interface SgdVariant {
  maximize: boolean;
  weightDecay: boolean;
  /** 'none': no momentum buffer; 'first': the buffer is set to the gradient */
  momentum: 'none' | 'first' | 'update';
  nesterov: boolean;
}

/** Options that select a generated rmsprop loop. */
export interface RmspropVariant {
  maximize: boolean;
  weightDecay: boolean;
  momentum: boolean;
  centered: boolean;
}

/** Options that select a generated adagrad loop. */
export interface AdagradVariant {
  maximize: boolean;
  weightDecay: boolean;
}

/** Options that select a generated adam loop. */
export interface AdamVariant {
  maximize: boolean;
  weightDecay: boolean;
  decoupled: boolean;
  amsgrad: boolean;
}

const bit = (b: boolean) => (b ? '1' : '0');
export const sgdName = (v: SgdVariant): string =>
  `sgd_${bit(v.maximize)}${bit(v.weightDecay)}_${v.momentum}${v.momentum !== 'none' && v.nesterov ? '_n' : ''}`;
export const adamName = (v: AdamVariant): string =>
  `adam_${bit(v.maximize)}${bit(v.decoupled ? false : v.weightDecay)}${bit(v.decoupled)}${bit(v.amsgrad)}`;

export const rmspropName = (v: RmspropVariant): string =>
  `rmsprop_${bit(v.maximize)}${bit(v.weightDecay)}${bit(v.momentum)}${bit(v.centered)}`;
export const adagradName = (v: AdagradVariant): string => `adagrad_${bit(v.maximize)}${bit(v.weightDecay)}`;

const { i32, f32, v128 } = ValType;
const ADD = 0xe4,
  MUL = 0xe6,
  DIV = 0xe7,
  NEG = 0xe1,
  SQRT = 0xe3,
  MAX = 0xe9;
// locals: params 0..4 pointers, 5 n4, 6..13 scalars; then v128 splats 14..21 and temporaries
const P = 0,
  G = 1,
  S1 = 2,
  S2 = 3,
  S3 = 4,
  N = 5,
  K = (i: number) => 14 + i,
  D = 22,
  X = 23,
  B = 24,
  V = 25;
const PARAMS = [i32, i32, i32, i32, i32, i32, f32, f32, f32, f32, f32, f32, f32, f32];
const LOCALS = [v128, v128, v128, v128, v128, v128, v128, v128, v128, v128, v128, v128];

function loop(b: CodeBuilder, ptrs: number[], body: () => void): void {
  for (let i = 0; i < 8; i++)
    b.localGet(6 + i)
      .f32x4Splat()
      .localSet(K(i));
  b.block().loop();
  b.localGet(N).op(0x45).brIf(1); // i32.eqz
  body();
  for (const p of ptrs) b.localGet(p).i32Const(16).op(0x6a).localSet(p);
  b.localGet(N).i32Const(1).op(0x6b).localSet(N);
  b.br(0);
  b.end().end();
}

function emitSgd(b: CodeBuilder, v: SgdVariant): void {
  const ptrs = v.momentum === 'none' ? [P, G] : [P, G, S1];
  loop(b, ptrs, () => {
    b.localGet(G).v128Load();
    if (v.maximize) b.simd(NEG);
    b.localSet(D);
    b.localGet(P).v128Load().localSet(X);
    if (v.weightDecay) b.localGet(D).localGet(X).localGet(K(0)).simd(MUL).simd(ADD).localSet(D);
    if (v.momentum !== 'none') {
      if (v.momentum === 'first') b.localGet(D).localSet(B);
      else b.localGet(S1).v128Load().localGet(K(1)).simd(MUL).localGet(D).localGet(K(2)).simd(MUL).simd(ADD).localSet(B);
      b.localGet(S1).localGet(B).v128Store();
      if (v.nesterov) b.localGet(D).localGet(B).localGet(K(1)).simd(MUL).simd(ADD).localSet(D);
      else b.localGet(B).localSet(D);
    }
    b.localGet(P).localGet(X).localGet(D).localGet(K(3)).simd(MUL).simd(ADD).v128Store();
  });
}

function emitAdam(b: CodeBuilder, v: AdamVariant): void {
  const ptrs = v.amsgrad ? [P, G, S1, S2, S3] : [P, G, S1, S2];
  loop(b, ptrs, () => {
    b.localGet(G).v128Load();
    if (v.maximize) b.simd(NEG);
    b.localSet(D);
    b.localGet(P).v128Load().localSet(X);
    if (v.decoupled) b.localGet(X).localGet(K(0)).simd(MUL).localSet(X);
    else if (v.weightDecay) b.localGet(D).localGet(X).localGet(K(0)).simd(MUL).simd(ADD).localSet(D);
    // m = m*b1 + d*(1-b1)
    b.localGet(S1).v128Load().localGet(K(1)).simd(MUL).localGet(D).localGet(K(2)).simd(MUL).simd(ADD).localSet(B);
    b.localGet(S1).localGet(B).v128Store();
    // v = v*b2 + (d*d)*(1-b2)
    b.localGet(S2).v128Load().localGet(K(3)).simd(MUL).localGet(D).localGet(D).simd(MUL).localGet(K(4)).simd(MUL).simd(ADD).localSet(V);
    b.localGet(S2).localGet(V).v128Store();
    if (v.amsgrad) {
      b.localGet(S3).v128Load().localGet(V).simd(MAX).localSet(V);
      b.localGet(S3).localGet(V).v128Store();
    }
    // p = p + (m / (sqrt(v)/bc2sqrt + eps)) * (-lr/bc1)
    b.localGet(P).localGet(X).localGet(B);
    b.localGet(V).simd(SQRT).localGet(K(5)).simd(DIV).localGet(K(6)).simd(ADD);
    b.simd(DIV).localGet(K(7)).simd(MUL).simd(ADD).v128Store();
  });
}

/** `d = ±g (+ p*wd)` into D, with p loaded into X. */
function gradTerm(b: CodeBuilder, maximize: boolean, weightDecay: boolean): void {
  b.localGet(G).v128Load();
  if (maximize) b.simd(NEG);
  b.localSet(D);
  b.localGet(P).v128Load().localSet(X);
  if (weightDecay) b.localGet(D).localGet(X).localGet(K(0)).simd(MUL).simd(ADD).localSet(D);
}

function emitRmsprop(b: CodeBuilder, v: RmspropVariant): void {
  // states: S1 squareAvg, then the momentum buffer (if any), then gradAvg (if centered)
  const BUF = S2;
  const GA = v.momentum ? S3 : S2;
  const ptrs = [P, G, S1, ...(v.momentum ? [BUF] : []), ...(v.centered ? [GA] : [])];
  loop(b, ptrs, () => {
    gradTerm(b, v.maximize, v.weightDecay);
    // sq = sq*alpha + (d*d)*(1-alpha)
    b.localGet(S1).v128Load().localGet(K(1)).simd(MUL).localGet(D).localGet(D).simd(MUL).localGet(K(2)).simd(MUL).simd(ADD).localSet(V);
    b.localGet(S1).localGet(V).v128Store();
    if (v.centered) {
      // ga = ga*alpha + d*(1-alpha); avg = sqrt(sq + (ga*ga)*(-1))
      b.localGet(GA).v128Load().localGet(K(1)).simd(MUL).localGet(D).localGet(K(2)).simd(MUL).simd(ADD).localSet(B);
      b.localGet(GA).localGet(B).v128Store();
      b.localGet(V).localGet(B).localGet(B).simd(MUL).simd(NEG).simd(ADD).localSet(V);
    }
    // avg = sqrt(.) + eps; V = d / avg
    b.localGet(D).localGet(V).simd(SQRT).localGet(K(3)).simd(ADD).simd(DIV).localSet(V);
    if (v.momentum) {
      // buf = buf*mom + (d/avg)*1; p = p + buf*(-lr)
      b.localGet(BUF).v128Load().localGet(K(4)).simd(MUL).localGet(V).simd(ADD).localSet(V);
      b.localGet(BUF).localGet(V).v128Store();
    }
    b.localGet(P).localGet(X).localGet(V).localGet(K(5)).simd(MUL).simd(ADD).v128Store();
  });
}

function emitAdagrad(b: CodeBuilder, v: AdagradVariant): void {
  loop(b, [P, G, S1], () => {
    gradTerm(b, v.maximize, v.weightDecay);
    // sum = sum + (d*d)*1; p = p + (d / (sqrt(sum) + eps)) * (-clr)
    b.localGet(S1).v128Load().localGet(D).localGet(D).simd(MUL).simd(ADD).localSet(V);
    b.localGet(S1).localGet(V).v128Store();
    b.localGet(P)
      .localGet(X)
      .localGet(D)
      .localGet(V)
      .simd(SQRT)
      .localGet(K(1))
      .simd(ADD)
      .simd(DIV)
      .localGet(K(2))
      .simd(MUL)
      .simd(ADD)
      .v128Store();
  });
}

/** Every rmsprop variant. */
export function rmspropVariants(): RmspropVariant[] {
  const out: RmspropVariant[] = [];
  for (const maximize of [false, true])
    for (const weightDecay of [false, true])
      for (const momentum of [false, true]) for (const centered of [false, true]) out.push({ maximize, weightDecay, momentum, centered });
  return out;
}

/** Every adagrad variant. */
export function adagradVariants(): AdagradVariant[] {
  const out: AdagradVariant[] = [];
  for (const maximize of [false, true]) for (const weightDecay of [false, true]) out.push({ maximize, weightDecay });
  return out;
}

/** Every sgd variant (momentum 'none' ignores nesterov). */
export function sgdVariants(): SgdVariant[] {
  const out: SgdVariant[] = [];
  for (const maximize of [false, true])
    for (const weightDecay of [false, true]) {
      out.push({ maximize, weightDecay, momentum: 'none', nesterov: false });
      for (const momentum of ['first', 'update'] as const)
        for (const nesterov of [false, true]) out.push({ maximize, weightDecay, momentum, nesterov });
    }
  return out;
}

/** Every adam variant (decoupled weight decay ignores the weightDecay flag: AdamW always scales). */
export function adamVariants(): AdamVariant[] {
  const out: AdamVariant[] = [];
  for (const maximize of [false, true])
    for (const amsgrad of [false, true]) {
      out.push({ maximize, weightDecay: false, decoupled: true, amsgrad });
      for (const weightDecay of [false, true]) out.push({ maximize, weightDecay, decoupled: false, amsgrad });
    }
  return out;
}

/** Build the module; it imports the heap's shared memory `env.memory` (`minPages`..`maxPages`). */
export function buildOptimModule(minPages: number, maxPages: number, shared: boolean): Uint8Array<ArrayBuffer> {
  const m = new ModuleBuilder();
  m.importMemory('env', 'memory', minPages, maxPages, shared);
  for (const v of sgdVariants())
    m.exportFunction(
      sgdName(v),
      m.addFunction(PARAMS, [], LOCALS, (b) => emitSgd(b, v)),
    );
  for (const v of adamVariants())
    m.exportFunction(
      adamName(v),
      m.addFunction(PARAMS, [], LOCALS, (b) => emitAdam(b, v)),
    );
  for (const v of rmspropVariants())
    m.exportFunction(
      rmspropName(v),
      m.addFunction(PARAMS, [], LOCALS, (b) => emitRmsprop(b, v)),
    );
  for (const v of adagradVariants())
    m.exportFunction(
      adagradName(v),
      m.addFunction(PARAMS, [], LOCALS, (b) => emitAdagrad(b, v)),
    );
  return m.toBytes();
}
