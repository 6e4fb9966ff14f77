import * as dl from '@dl/tensor';
import { ArgumentError, DTypeError, ShapeError, fmtShape, type Tensor } from '@dl/tensor';
import { linear } from './conv.js';
import { dropout } from './norm.js';
import { maskedOutBias } from './attention.js';

/** Options of {@link multiHeadAttentionForward} (torch's keywords, camelCase). */
export interface MultiHeadAttentionForwardOptions {
  /** Apply dropout (default true, as torch's functional form; the module passes its mode). */
  training?: boolean;
  /** [N, S] (or [S] unbatched): true (or a float -inf/bias) marks keys to ignore. */
  keyPaddingMask?: Tensor | null;
  /** Return the attention weights (default true). */
  needWeights?: boolean;
  /** [L, S] or [N·numHeads, L, S]: bool true = not allowed to attend; a float mask is added. */
  attnMask?: Tensor | null;
  /** Project with `qProjWeight`/`kProjWeight`/`vProjWeight` instead of the packed `inProjWeight`. */
  useSeparateProjWeight?: boolean;
  qProjWeight?: Tensor | null;
  kProjWeight?: Tensor | null;
  vProjWeight?: Tensor | null;
  /** Projected keys/values [N·numHeads, S, headDim] used as given. */
  staticK?: Tensor | null;
  staticV?: Tensor | null;
  /** Average the returned weights over heads (default true). */
  averageAttnWeights?: boolean;
}

/** @internal The weights of one multi-head attention (the module's or the functional call's). */
export interface MhaWeights {
  embedDim: number;
  numHeads: number;
  inProjWeight: Tensor | null;
  inProjBias: Tensor | null;
  qProjWeight: Tensor | null;
  kProjWeight: Tensor | null;
  vProjWeight: Tensor | null;
  biasK: Tensor | null;
  biasV: Tensor | null;
  addZeroAttn: boolean;
  dropoutP: number;
  outProjWeight: Tensor;
  outProjBias: Tensor | null;
}

/**
 * Multi-head attention on seq-first inputs (torch's `F.multi_head_attention_forward`): `query`
 * [L, N, E], `key` [S, N, kdim], `value` [S, N, vdim] (or unbatched [L, E] …). Returns
 * `[output [L, N, E], weights | null]`; `nn.MultiheadAttention` is this with its parameters.
 *
 * @example
 * const [out, w] = F.multiHeadAttentionForward(x, x, x, 8, 2, inW, inB, null, null, false, 0, outW, outB, { training: false });
 */
export function multiHeadAttentionForward(
  query: Tensor,
  key: Tensor,
  value: Tensor,
  embedDimToCheck: number,
  numHeads: number,
  inProjWeight: Tensor | null,
  inProjBias: Tensor | null,
  biasK: Tensor | null,
  biasV: Tensor | null,
  addZeroAttn: boolean,
  dropoutP: number,
  outProjWeight: Tensor,
  outProjBias: Tensor | null,
  opts: MultiHeadAttentionForwardOptions = {},
): [Tensor, Tensor | null] {
  const op = 'multiHeadAttentionForward';
  const sep = opts.useSeparateProjWeight ?? false;
  const w: MhaWeights = {
    embedDim: embedDimToCheck,
    numHeads,
    inProjWeight: sep ? null : inProjWeight,
    inProjBias,
    qProjWeight: sep ? (opts.qProjWeight ?? null) : null,
    kProjWeight: sep ? (opts.kProjWeight ?? null) : null,
    vProjWeight: sep ? (opts.vProjWeight ?? null) : null,
    biasK,
    biasV,
    addZeroAttn,
    dropoutP,
    outProjWeight,
    outProjBias,
  };
  if (sep && (!w.qProjWeight || !w.kProjWeight || !w.vProjWeight))
    throw new ArgumentError(`${op}: useSeparateProjWeight is true but qProjWeight, kProjWeight or vProjWeight is null`, { op });
  if (!sep && !inProjWeight)
    throw new ArgumentError(`${op}: useSeparateProjWeight is false but inProjWeight is null`, {
      op,
      hint: 'pass the packed [3E, E] weight, or { useSeparateProjWeight: true, qProjWeight, kProjWeight, vProjWeight }',
    });
  if (!Number.isInteger(numHeads) || numHeads <= 0 || embedDimToCheck % numHeads !== 0) {
    throw new ArgumentError(`${op}: embed_dim ${embedDimToCheck} not divisible by num_heads ${numHeads}`, { op });
  }
  if (typeof dropoutP !== 'number' || !(dropoutP >= 0 && dropoutP <= 1))
    throw new ArgumentError(`${op}: dropout probability has to be between 0 and 1, but got ${String(dropoutP)}`, { op });
  return mhaForward(op, w, query, key, value, opts);
}

/** torch's `_mha_shape_check` and the size asserts after it: is the input batched. */
function shapeCheck(op: string, w: MhaWeights, q: Tensor, k: Tensor, v: Tensor, kpm: Tensor | null, mask: Tensor | null): boolean {
  for (const [name, t] of [
    ['query', q],
    ['key', k],
    ['value', v],
  ] as const) {
    if (!(t instanceof dl.Tensor))
      throw new ArgumentError(`${op}: ${name} must be a Tensor, got ${t === null ? 'null' : typeof t}`, { op });
  }
  const shapes = `query ${fmtShape(q.shape)}, key ${fmtShape(k.shape)}, value ${fmtShape(v.shape)}`;
  const batched = q.dim() === 3;
  if (q.dim() !== 2 && !batched)
    throw new ShapeError(`${op}: query should be unbatched 2D or batched 3D tensor but received ${q.dim()}-D query tensor`, {
      op,
      hint: 'query is [L, N, E] ([N, L, E] with batchFirst) or [L, E]',
    });
  if (k.dim() !== q.dim() || v.dim() !== q.dim()) {
    throw new ShapeError(
      `${op}: for ${batched ? 'batched (3-D)' : 'unbatched (2-D)'} query, expected key and value to be ${q.dim()}-D but found ${k.dim()}-D and ${v.dim()}-D tensors (${shapes})`,
      { op },
    );
  }
  if (kpm && kpm.dim() !== (batched ? 2 : 1)) {
    throw new ShapeError(
      `${op}: for ${batched ? 'batched (3-D)' : 'unbatched (2-D)'} query, expected keyPaddingMask to be null or ${batched ? 2 : 1}-D but found ${fmtShape(kpm.shape)}`,
      { op, hint: 'keyPaddingMask is [N, S] ([S] unbatched)' },
    );
  }
  if (mask && mask.dim() !== 2 && mask.dim() !== 3)
    throw new ShapeError(`${op}: expected attnMask to be null, 2-D or 3-D but found ${fmtShape(mask.shape)}`, {
      op,
      hint: 'attnMask is [L, S] or [N*numHeads, L, S]',
    });
  const e = q.shape[q.dim() - 1]!;
  if (e !== w.embedDim) throw new ShapeError(`${op}: was expecting embedding dimension of ${w.embedDim}, but got ${e} (${shapes})`, { op });
  const kdim = w.kProjWeight ? w.kProjWeight.shape[1] : w.embedDim;
  const vdim = w.vProjWeight ? w.vProjWeight.shape[1] : w.embedDim;
  if (k.shape[k.dim() - 1] !== kdim || v.shape[v.dim() - 1] !== vdim) {
    throw new ShapeError(`${op}: expected key with ${kdim} and value with ${vdim} features (kdim, vdim), got ${shapes}`, {
      op,
      hint: 'nn.MultiheadAttention takes { kdim, vdim } for other sizes',
    });
  }
  if (k.shape.slice(0, -1).join(',') !== v.shape.slice(0, -1).join(',') || (batched && k.shape[1] !== q.shape[1])) {
    throw new ShapeError(
      `${op}: key and value must have the same sequence and batch dims, and the batch must match the query's (${shapes})`,
      { op },
    );
  }
  for (const [name, t] of [
    ['key', k],
    ['value', v],
  ] as const) {
    if (t.dtype !== q.dtype)
      throw new DTypeError(`${op}: expected query, key and value of one dtype, got query ${q.dtype} and ${name} ${t.dtype}`, {
        op,
        hint: 'cast them with .float()',
      });
  }
  if (!dl.isFloating(q.dtype))
    throw new DTypeError(`${op}: expected floating inputs, got ${q.dtype}`, { op, hint: 'cast them with .float()' });
  for (const [name, t] of [
    ['keyPaddingMask', kpm],
    ['attnMask', mask],
  ] as const) {
    if (t && t.dtype !== 'bool' && !dl.isFloating(t.dtype)) {
      throw new DTypeError(`${op}: only bool and floating types of ${name} are supported, got ${t.dtype}`, {
        op,
        hint: 'a bool mask is true where attention is not allowed',
      });
    }
  }
  return batched;
}

/** Append a zero column to a mask (torch's `pad(mask, (0, 1))`). */
function padLast(mask: Tensor): Tensor {
  return dl.cat([mask, dl.zeros([...mask.shape.slice(0, -1), 1], { dtype: mask.dtype, device: mask.device })], -1);
}

/** A mask as a float bias: bool true → -inf (masked out), floats as given. */
function toBias(mask: Tensor, dtype: dl.DType): Tensor {
  return mask.dtype === 'bool' ? maskedOutBias(mask, dtype) : mask;
}

/**
 * @internal torch 1.13's `multi_head_attention_forward`: in-projection (one packed linear when
 * `query === key === value`), masks merged into one float bias [1 or N·H, L, S] (Note [Attention
 * masks as a float bias] in attention.ts), scaled scores, softmax, dropout, weighted sum,
 * out-projection. `op` names the caller in errors.
 */
export function mhaForward(
  op: string,
  w: MhaWeights,
  query: Tensor,
  key: Tensor,
  value: Tensor,
  opts: MultiHeadAttentionForwardOptions,
): [Tensor, Tensor | null] {
  let kpm = opts.keyPaddingMask ?? null;
  let mask = opts.attnMask ?? null;
  const batched = shapeCheck(op, w, query, key, value, kpm, mask);
  if (!batched) {
    // identities kept (torch's unsqueeze loses them; the packed projection computes the same values)
    const kv = key === value;
    const qk = query === key;
    query = query.unsqueeze(1);
    key = qk ? query : key.unsqueeze(1);
    value = kv ? key : value.unsqueeze(1);
    if (kpm) kpm = kpm.unsqueeze(0);
  }
  const [L, N, E] = query.shape as [number, number, number];
  const H = w.numHeads;
  const hd = E / H;
  // ---- in-projection (torch's _in_projection_packed / _in_projection)
  let q: Tensor, k: Tensor, v: Tensor;
  const b = w.inProjBias;
  if (w.inProjWeight) {
    const W = w.inProjWeight;
    if (key === value) {
      if (query === key) [q, k, v] = linear(query, W, b).chunk(3, -1) as [Tensor, Tensor, Tensor];
      else {
        const [wq, wkv] = W.split([E, 2 * E]) as [Tensor, Tensor];
        const [bq, bkv] = b ? (b.split([E, 2 * E]) as [Tensor, Tensor]) : [null, null];
        q = linear(query, wq, bq);
        [k, v] = linear(key, wkv, bkv).chunk(2, -1) as [Tensor, Tensor];
      }
    } else {
      const [wq, wk, wv] = W.chunk(3) as [Tensor, Tensor, Tensor];
      const [bq, bk, bv] = b ? (b.chunk(3) as [Tensor, Tensor, Tensor]) : [null, null, null];
      [q, k, v] = [linear(query, wq, bq), linear(key, wk, bk), linear(value, wv, bv)];
    }
  } else {
    const [bq, bk, bv] = b ? (b.chunk(3) as [Tensor, Tensor, Tensor]) : [null, null, null];
    [q, k, v] = [linear(query, w.qProjWeight!, bq), linear(key, w.kProjWeight!, bk), linear(value, w.vProjWeight!, bv)];
  }
  // ---- attention mask
  let S = key.shape[0]!;
  if (mask) {
    if (mask.dim() === 2) {
      if (mask.shape[0] !== L || mask.shape[1] !== S)
        throw new ShapeError(
          `${op}: the shape of the 2D attnMask is ${fmtShape(mask.shape)}, but should be [${L}, ${S}] (target and source lengths)`,
          { op },
        );
      mask = mask.unsqueeze(0);
    } else if (mask.shape[0] !== N * H || mask.shape[1] !== L || mask.shape[2] !== S) {
      throw new ShapeError(
        `${op}: the shape of the 3D attnMask is ${fmtShape(mask.shape)}, but should be [${N * H}, ${L}, ${S}] (batch · numHeads, target and source lengths)`,
        { op },
      );
    }
  }
  // ---- bias_k / bias_v
  if (w.biasK && w.biasV) {
    if (opts.staticK || opts.staticV) throw new ArgumentError(`${op}: bias cannot be added to static key or value`, { op });
    k = dl.cat([k, w.biasK.repeat(1, N, 1)]);
    v = dl.cat([v, w.biasV.repeat(1, N, 1)]);
    if (mask) mask = padLast(mask);
    if (kpm) kpm = padLast(kpm);
  } else if (w.biasK || w.biasV) throw new ArgumentError(`${op}: give both biasK and biasV, or neither`, { op });
  // ---- heads: [L, N, E] -> [N·H, L, hd]
  q = q
    .contiguous()
    .view(L, N * H, hd)
    .transpose(0, 1);
  const headed = (t: Tensor, stat: Tensor | null | undefined, name: string): Tensor => {
    if (!stat)
      return t
        .contiguous()
        .view(t.shape[0]!, N * H, hd)
        .transpose(0, 1);
    if (stat.dim() !== 3 || stat.shape[0] !== N * H || stat.shape[2] !== hd) {
      throw new ShapeError(
        `${op}: expecting ${name} of shape [${N * H}, S, ${hd}] (batch · numHeads, source length, head dim), but got ${fmtShape(stat.shape)}`,
        { op },
      );
    }
    return stat;
  };
  k = headed(k, opts.staticK, 'staticK');
  v = headed(v, opts.staticV, 'staticV');
  if (w.addZeroAttn) {
    const z = dl.zeros([N * H, 1, hd], { dtype: k.dtype, device: k.device });
    k = dl.cat([k, z], 1);
    v = dl.cat([v, z], 1);
    if (mask) mask = padLast(mask);
    if (kpm) kpm = padLast(kpm);
  }
  S = k.shape[1]!;
  // ---- merge the key padding mask, then one float bias
  if (kpm) {
    if (kpm.shape[0] !== N || kpm.shape[1] !== S)
      throw new ShapeError(`${op}: expecting keyPaddingMask shape of [${N}, ${S}], but got ${fmtShape(kpm.shape)}`, {
        op,
        hint: 'keyPaddingMask is [batch, source length]',
      });
    const kp = kpm
      .view(N, 1, 1, S)
      .expand(-1, H, -1, -1)
      .reshape(N * H, 1, S);
    if (!mask) mask = kp;
    else if (mask.dtype === 'bool')
      mask = mask.logicalOr(kp.dtype === 'bool' ? kp : kp.ne(0)); // torch's logical_or: a non-zero float masks
    else mask = toBias(mask, q.dtype).add(toBias(kp, q.dtype)); // two float masks add (torch 1.13 raises; 2.x adds)
  }
  const bias = mask ? toBias(mask, q.dtype) : null;
  // ---- attention
  let scores = q.div(Math.sqrt(hd)).bmm(k.transpose(-2, -1));
  if (bias) scores = scores.add(bias);
  let weights = scores.softmax(-1);
  if ((opts.training ?? true) && w.dropoutP > 0) weights = dropout(weights, w.dropoutP, { training: true });
  let out = weights.bmm(v);
  out = out
    .transpose(0, 1)
    .contiguous()
    .view(L * N, E);
  out = linear(out, w.outProjWeight, w.outProjBias).view(L, N, E);
  if (!batched) out = out.squeeze(1);
  if (!(opts.needWeights ?? true)) return [out, null];
  let aw = weights.view(N, H, L, S);
  if (opts.averageAttnWeights ?? true) aw = aw.sum(1).div(H);
  if (!batched) aw = aw.squeeze(0);
  return [out, aw];
}
