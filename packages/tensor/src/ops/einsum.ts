/**
 * Note [einsum by pairwise bmm]
 * `einsum` parses torch's equation syntax (letters a-z and A-Z, `...` for broadcast dims, an
 * optional `->` output; without it the output is the ellipsis dims, then the labels seen once,
 * uppercase before lowercase, as torch orders them). Each operand first loses its repeated labels
 * (a diagonal: multiply by an identity mask and sum, so autograd needs nothing new) and sums out
 * the labels no other operand or the output names. Operands are then contracted left to right:
 * the pair is permuted to `[batch, free, contracted]` and `[batch, contracted, free]`, reshaped to
 * 3-D and multiplied with `bmm`, so a contraction is one matrix product whatever the equation.
 * Sizes 1 broadcast against other sizes of the same label, as torch. Everything is a composite of
 * existing ops: gradients and webgpu come for free.
 */
import { defineOp } from '../dispatch.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors.js';
import { normDim } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { eye } from './creation.js';
import { bmm } from './linalg.js';

/** Internal label ids: letters 0-51 (A-Z then a-z, torch's order), ellipsis dims 52+. */
const ELL = 52;

function letterId(ch: string): number {
  const c = ch.charCodeAt(0);
  if (c >= 65 && c <= 90) return c - 65;
  if (c >= 97 && c <= 122) return c - 97 + 26;
  return -1;
}

interface Term {
  labels: number[]; // letter ids, ELL marks where `...` sits
  hasEll: boolean;
}

function parseTerm(op: string, s: string, where: string): Term {
  const labels: number[] = [];
  let hasEll = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === ' ') continue;
    if (ch === '.') {
      if (s.slice(i, i + 3) !== '...' || hasEll) {
        throw new ArgumentError(`${op}(): found '.' for ${where} that is not part of any ellipsis ('...'), or a second ellipsis`, {
          op,
          hint: "write the ellipsis as exactly '...', once per operand",
        });
      }
      hasEll = true;
      labels.push(ELL);
      i += 2;
      continue;
    }
    const id = letterId(ch);
    if (id < 0)
      throw new ArgumentError(
        `${op}(): invalid subscript given at index ${i} in the equation string, subscripts must be in [a-zA-Z] (got '${ch}')`,
        { op, hint: 'use letters a-z and A-Z' },
      );
    labels.push(id);
  }
  return { labels, hasEll };
}

/** One operand while contracting: a tensor and the label of each of its dims. */
interface Operand {
  t: Tensor;
  labels: number[];
}

/** Expand the ELL marker of `term` into ellipsis label ids for a tensor of rank `rank`. */
function expandTerm(op: string, term: Term, rank: number, index: number, ellRank: number): number[] {
  const letters = term.labels.length - (term.hasEll ? 1 : 0);
  if (term.hasEll ? rank < letters : rank !== letters) {
    throw new ShapeError(
      `${op}(): the number of subscripts in the equation (${letters}) ${term.hasEll ? 'is more than' : 'does not match'} the number of dimensions (${rank}) for operand ${index}${term.hasEll ? '' : ' and no ellipsis was given'}`,
      {
        op,
        hint: "give one subscript per dimension, or '...' for the leading ones",
      },
    );
  }
  const out: number[] = [];
  const k = rank - letters;
  for (const l of term.labels) {
    if (l === ELL) for (let j = 0; j < k; j++) out.push(ELL + (ellRank - k + j));
    else out.push(l);
  }
  return out;
}

/** Take the diagonal over repeated labels of one operand (identity mask and a sum). */
function dedupe(op: string, o: Operand): Operand {
  let { t, labels } = o;
  for (;;) {
    let i = -1;
    let j = -1;
    for (let a = 0; a < labels.length && i < 0; a++) {
      for (let b = a + 1; b < labels.length; b++) {
        if (labels[a] === labels[b]) {
          i = a;
          j = b;
          break;
        }
      }
    }
    if (i < 0) return { t, labels };
    const n = t.shape[i]!;
    if (t.shape[j] !== n) {
      throw new ShapeError(
        `${op}(): subscript ${labelName(labels[i]!)} is repeated for an operand but the sizes don't match, ${n} != ${t.shape[j]}`,
        { op, hint: 'a repeated subscript takes a diagonal: those dims need the same size' },
      );
    }
    const shape = t.shape.map((_, d) => (d === i || d === j ? n : 1));
    const mask = eye(n, n, { dtype: t.dtype === 'bool' ? 'float32' : t.dtype, device: t.device }).reshape(shape);
    t = t.mul(mask).sum(j);
    labels = labels.filter((_, d) => d !== j);
  }
}

function labelName(l: number): string {
  return l >= ELL ? '...' : l < 26 ? String.fromCharCode(65 + l) : String.fromCharCode(97 + l - 26);
}

/** Sum out the labels of `o` that are not in `keep`. */
function sumOut(o: Operand, keep: Set<number>): Operand {
  const dims = o.labels.map((l, d) => (keep.has(l) ? -1 : d)).filter((d) => d >= 0);
  if (!dims.length) return o;
  return { t: o.t.sum(dims), labels: o.labels.filter((l) => keep.has(l)) };
}

/** Contract two operands whose labels are all needed (the result keeps `keep`). */
function contract(op: string, a: Operand, b: Operand, keep: Set<number>): Operand {
  const size = new Map<number, number>();
  const note = (o: Operand) =>
    o.labels.forEach((l, d) => {
      const s = o.t.shape[d]!;
      const prev = size.get(l);
      if (prev === undefined || prev === 1) size.set(l, s);
      else if (s !== 1 && s !== prev) {
        throw new ShapeError(
          `${op}(): operands do not broadcast with remapped shapes (original->remapped): subscript ${labelName(l)} has sizes ${prev} and ${s}`,
          { op, hint: 'sizes of one subscript must agree (or be 1)' },
        );
      }
    });
  note(a);
  note(b);
  const inB = new Set(b.labels);
  const inA = new Set(a.labels);
  const batch = a.labels.filter((l) => inB.has(l) && keep.has(l));
  const con = a.labels.filter((l) => inB.has(l) && !keep.has(l));
  const freeA = a.labels.filter((l) => !inB.has(l));
  const freeB = b.labels.filter((l) => !inA.has(l));
  const prod = (ls: number[]) => ls.reduce((p, l) => p * size.get(l)!, 1);
  const arrange = (o: Operand, order: number[]) => {
    const perm = order.map((l) => o.labels.indexOf(l));
    const t = o.t.permute(perm);
    return t.expand(order.map((l) => size.get(l)!));
  };
  const A = arrange(a, [...batch, ...freeA, ...con]).reshape(prod(batch), prod(freeA), prod(con));
  const B = arrange(b, [...batch, ...con, ...freeB]).reshape(prod(batch), prod(con), prod(freeB));
  const labels = [...batch, ...freeA, ...freeB];
  return { t: bmm(A, B).reshape(labels.map((l) => size.get(l)!)), labels };
}

/**
 * Einstein summation, as `torch.einsum`: operands as arguments or one array; `...` for
 * broadcast dims, a repeated subscript for a diagonal, no `->` for torch's implicit output.
 * Contractions run as batched matrix products (Note [einsum by pairwise bmm]).
 *
 * @example
 * dl.einsum('ij,jk->ik', a, b);   // a.matmul(b)
 * dl.einsum('ii', m);             // trace
 * dl.einsum('...ij->...ji', x);   // batched transpose
 * dl.einsum('bn,anm,bm->ba', [l, A, r]); // bilinear
 */
export const einsum = defineOp('einsum', (equation: string, ...args: (Tensor | readonly Tensor[])[]): Tensor => {
  const op = 'einsum';
  if (typeof equation !== 'string')
    throw new ArgumentError(`einsum(): the equation must be a string, got ${typeof equation}`, {
      op,
      hint: "dl.einsum('ij,jk->ik', a, b)",
    });
  const operands = (args.length === 1 && Array.isArray(args[0]) ? args[0] : args) as Tensor[];
  const arrow = equation.indexOf('->');
  const lhs = arrow < 0 ? equation : equation.slice(0, arrow);
  const terms = lhs.split(',').map((s, i) => parseTerm(op, s, `operand ${i}`));
  if (terms.length !== operands.length) {
    throw new ArgumentError(
      `einsum(): ${terms.length > operands.length ? 'more' : 'fewer'} operands were provided than specified in the equation (${operands.length} operands, ${terms.length} in '${equation}')`,
      {
        op,
        hint: 'give one tensor per comma-separated term',
      },
    );
  }
  if (operands.length === 0) throw new ArgumentError('einsum(): must provide at least one operand', { op });
  const dtype = operands[0]!.dtype;
  for (const t of operands) {
    if (t.dtype !== dtype) {
      throw new DTypeError(`einsum(): expected all operands to have the same dtype, got ${operands.map((x) => x.dtype).join(', ')}`, {
        op,
        hint: 'cast them to one dtype, e.g. .float()',
      });
    }
  }
  // the ellipsis covers the most dims any operand gives it; shorter ones align to the right
  let ellRank = 0;
  terms.forEach((term, i) => {
    if (term.hasEll) ellRank = Math.max(ellRank, operands[i]!.dim() - (term.labels.length - 1));
  });
  let ops: Operand[] = terms.map((term, i) => ({ t: operands[i]!, labels: expandTerm(op, term, operands[i]!.dim(), i, ellRank) }));
  const ellLabels = Array.from({ length: ellRank }, (_, j) => ELL + j);
  // output labels
  let out: number[];
  if (arrow >= 0) {
    const term = parseTerm(op, equation.slice(arrow + 2), 'the output');
    out = [];
    for (const l of term.labels) {
      if (l === ELL) out.push(...ellLabels);
      else {
        if (out.includes(l))
          throw new ArgumentError(`einsum(): output subscript ${labelName(l)} appears more than once in the output`, {
            op,
            hint: 'name each output subscript once',
          });
        if (!ops.some((o) => o.labels.includes(l))) {
          throw new ArgumentError(`einsum(): output subscript ${labelName(l)} does not appear in the equation for any input operand`, {
            op,
            hint: 'every output subscript must name a dim of some operand',
          });
        }
        out.push(l);
      }
    }
  } else {
    const count = new Map<number, number>();
    for (const term of terms) for (const l of term.labels) if (l !== ELL) count.set(l, (count.get(l) ?? 0) + 1);
    out = [...ellLabels, ...[...count.keys()].filter((l) => count.get(l) === 1).sort((x, y) => x - y)];
  }
  // diagonals, then labels nobody else needs
  ops = ops.map((o) => dedupe(op, o));
  const needed = (skip: number): Set<number> => {
    const s = new Set(out);
    ops.forEach((o, i) => {
      if (i !== skip) for (const l of o.labels) s.add(l);
    });
    return s;
  };
  ops = ops.map((o, i) => sumOut(o, needed(i)));
  let acc = ops[0]!;
  for (let i = 1; i < ops.length; i++) {
    const keep = new Set(out);
    for (let j = i + 1; j < ops.length; j++) for (const l of ops[j]!.labels) keep.add(l);
    acc = contract(op, sumOut(acc, new Set([...keep, ...ops[i]!.labels])), sumOut(ops[i]!, new Set([...keep, ...acc.labels])), keep);
  }
  acc = sumOut(acc, new Set(out));
  const perm = out.map((l) => acc.labels.indexOf(l));
  return acc.t.permute(perm); // (an output without `...` has summed the ellipsis dims away, as torch)
});

/**
 * Tensor contraction over `dims` (`torch.tensordot`): an integer contracts the last `dims` of `a`
 * with the first `dims` of `b`; a pair of lists names the dims of each.
 *
 * @example
 * dl.tensordot(a, b, 2);                // a [3,4,5], b [4,5,6] -> [3, 6]
 * dl.tensordot(a, b, [[1, 0], [0, 1]]); // explicit pairs
 */
export const tensordot = defineOp(
  'tensordot',
  (a: Tensor, b: Tensor, dims: number | readonly [readonly number[], readonly number[]] | readonly [number, number] = 2): Tensor => {
    const op = 'tensordot';
    let da: number[];
    let db: number[];
    if (typeof dims === 'number') {
      if (!Number.isInteger(dims) || dims < 0)
        throw new ArgumentError(`tensordot expects dims >= 0, but got dims=${dims}`, {
          op,
          hint: 'an integer count of dims, or [[dims of a], [dims of b]]',
        });
      if (dims > a.dim() || dims > b.dim())
        throw new ShapeError(
          `tensordot expects dims < ndim_a or ndim_b, but got dims=${dims} for ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
          { op },
        );
      da = Array.from({ length: dims }, (_, i) => a.dim() - dims + i);
      db = Array.from({ length: dims }, (_, i) => i);
    } else {
      const [x, y] = dims;
      da = (typeof x === 'number' ? [x] : [...x]).map((d) => normDim(d, a.dim(), op));
      db = (typeof y === 'number' ? [y] : [...y]).map((d) => normDim(d, b.dim(), op));
      if (da.length !== db.length)
        throw new ArgumentError(`tensordot: both dimension lists should have same length, got ${da.length} and ${db.length}`, { op });
    }
    if (a.dtype !== b.dtype)
      throw new DTypeError(`tensordot: expected both operands to have the same dtype, got ${a.dtype} and ${b.dtype}`, {
        op,
        hint: 'cast one of them, e.g. b.to(a.dtype)',
      });
    for (let i = 0; i < da.length; i++) {
      if (a.shape[da[i]!] !== b.shape[db[i]!]) {
        throw new ShapeError(
          `tensordot: contracted dimensions need to match, but first has size ${a.shape[da[i]!]} in dim ${da[i]} and second has size ${b.shape[db[i]!]} in dim ${db[i]}`,
          { op },
        );
      }
    }
    const freeA = a.shape.map((_, d) => d).filter((d) => !da.includes(d));
    const freeB = b.shape.map((_, d) => d).filter((d) => !db.includes(d));
    const k = da.reduce((p, d) => p * a.shape[d]!, 1);
    const m = freeA.reduce((p, d) => p * a.shape[d]!, 1);
    const n = freeB.reduce((p, d) => p * b.shape[d]!, 1);
    const A = a.permute([...freeA, ...da]).reshape(1, m, k);
    const B = b.permute([...db, ...freeB]).reshape(1, k, n);
    return bmm(A, B).reshape([...freeA.map((d) => a.shape[d]!), ...freeB.map((d) => b.shape[d]!)]);
  },
);
