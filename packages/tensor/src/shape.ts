import { ArgumentError, IndexError, ShapeError, fmtShape } from './errors.js';

export type Shape = readonly number[];

/**
 * The number of elements of a shape (1 for a scalar's `[]`), as `math.prod(shape)`.
 *
 * @example
 * numelOf([2, 3, 4]); // 24
 * numelOf([]);        // 1
 */
export function numelOf(shape: Shape): number {
  // an index loop: `for…of` over a Size (an Array subclass) leaves V8's fast array iteration and allocates
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  return n;
}

/**
 * The row-major (C-contiguous) strides of a shape, in elements: what `x.contiguous().stride()` gives.
 *
 * @example
 * contiguousStrides([2, 3, 4]); // [12, 4, 1]
 */
export function contiguousStrides(shape: Shape): number[] {
  const st = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    st[i] = acc;
    acc *= Math.max(shape[i]!, 1);
  }
  return st;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Wrap a possibly negative dim into [0, rank). `rank` 0 accepts -1 and 0 (as PyTorch). */
export function normDim(dim: number, rank: number, op: string): number {
  const r = Math.max(rank, 1);
  if (typeof dim !== 'number') {
    // `x.argmax({ dim: 1 })`, `F.softmax(x, { dim: 1 })`: PyTorch's dim=1 keyword ported as an object
    const kw = dim !== null && typeof dim === 'object' && 'dim' in (dim as object);
    throw new ArgumentError(`${op}: dim must be an integer, got ${describeValue(dim)}`, {
      op,
      hint: kw
        ? `pass dim positionally (PyTorch's dim=${String((dim as { dim: unknown }).dim)} is the argument itself, e.g. x.argmax(1))`
        : `the tensor has ${rank} dimension${rank === 1 ? '' : 's'}`,
    });
  }
  if (!Number.isInteger(dim) || dim < -r || dim >= r) {
    throw new IndexError(`${op}: dimension out of range (expected to be in range of [${-r}, ${r - 1}], but got ${dim})`, {
      op,
      hint: `the tensor has ${rank} dimension${rank === 1 ? '' : 's'}`,
    });
  }
  return dim < 0 ? dim + r : dim;
}

/** Normalise a dim argument (number, list, or undefined for all) into sorted unique dims. */
export function normDims(dim: number | readonly number[] | undefined | null, rank: number, op: string): number[] {
  if (dim === undefined || dim === null) return Array.from({ length: rank }, (_, i) => i);
  if (typeof dim !== 'number' && !Array.isArray(dim)) {
    throw new ArgumentError(`${op}: dim must be a number or a list of numbers, got ${describeValue(dim)}`, {
      op,
      hint: 'e.g. x.sum(1) or x.sum([0, 1])',
    });
  }
  const list = typeof dim === 'number' ? [dim] : dim;
  const out = list.map((d) => normDim(d, rank, op));
  if (new Set(out).size !== out.length) {
    throw new ArgumentError(`${op}: dim ${JSON.stringify(list)} appears multiple times in the list of dims`, { op });
  }
  return out.sort((a, b) => a - b);
}

/**
 * The shape that `shapes` broadcast to, with `op` named in the ShapeError raised for shapes that
 * do not broadcast (the library's own form; users call {@link broadcastShapesOf}, exported as
 * `dl.broadcastShapes`).
 */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = rank - s.length + i;
      const d = s[i]!;
      if (d === out[o] || d === 1) continue;
      if (out[o] === 1) out[o] = d;
      else {
        throw new ShapeError(
          `${op}: shapes ${shapes.map(fmtShape).join(' and ')} cannot be broadcast together ` +
            `(size ${out[o]} vs ${d} at dimension ${o})`,
          { op, hint: 'sizes must be equal or 1 in each trailing dimension; use unsqueeze or view to align them' },
        );
      }
    }
  }
  return out;
}

/**
 * The shape that `shapes` broadcast to, as `torch.broadcast_shapes(*shapes)`: a number stands for
 * the 1-d shape `[n]`. Shapes that do not broadcast raise a ShapeError naming them.
 *
 * @example
 * dl.broadcastShapes([3, 1], [2]); // → [3, 2]
 * dl.broadcastShapes(2, [3, 1], [1, 1, 1]); // → [1, 3, 2]
 */
export function broadcastShapesOf(...shapes: (number | Shape)[]): number[] {
  const list = shapes.map((s, i) => {
    if (typeof s === 'number') return [s];
    if (!Array.isArray(s))
      throw new ArgumentError(`broadcastShapes: argument ${i} is ${typeof s}, expected a shape (number[]) or a number`, {
        op: 'broadcastShapes',
        hint: 'call it as dl.broadcastShapes([3, 1], [2]), one argument per shape',
      });
    return s;
  });
  for (const s of list)
    for (const d of s)
      if (!Number.isInteger(d) || d < 0)
        throw new ArgumentError(`broadcastShapes: shape ${fmtShape(s)} has a size that is not a non-negative integer`, {
          op: 'broadcastShapes',
        });
  return broadcastShapes('broadcastShapes', ...list);
}

/**
 * Most elements one tensor may hold: the longest typed array a JS engine makes (V8: 2^32).
 * Creation ops check it before allocating (Note [Sizes from users]).
 */
export const MAX_NUMEL = 2 ** 32;

/**
 * Note [Sizes from users]
 * Every size a user hands dl (creation ops, `fromArray`, `view`/`reshape`/`expand`, `eye`,
 * `randperm`, …) goes through `checkSizes`: each must be a JS number that is a non-negative
 * integer (or -1 where a size is inferred or kept). A size like 1.5 or NaN would otherwise make a
 * tensor whose numel disagrees with its storage and fail later, far from the call. Element
 * counts go through `checkNumel` before anything is allocated, so `zeros([1e5, 1e5])` names the
 * count and the limit instead of surfacing as a RangeError from a typed-array constructor.
 */

/**
 * Check user-given sizes (Note [Sizes from users]); `allowInfer` admits -1. Throws `cls`
 * (ArgumentError by default) naming the op, the sizes and the bad entry.
 *
 * @example
 * checkSizes([2, 3], 'zeros'); // ok
 * checkSizes([1.5, 4], 'fromArray'); // throws ArgumentError
 */
export function checkSizes(
  sizes: readonly unknown[],
  op: string,
  opts: { allowInfer?: boolean; cls?: typeof ArgumentError | typeof ShapeError; what?: string } = {},
): number[] {
  const cls = opts.cls ?? ArgumentError;
  if (!Array.isArray(sizes)) {
    throw new cls(`${op}: expected a list of sizes, got ${describeValue(sizes)}`, {
      op,
      hint: 'pass sizes as numbers or one array, e.g. [2, 3]',
    });
  }
  for (let i = 0; i < sizes.length; i++) {
    const s = sizes[i];
    if (typeof s === 'number' && Number.isInteger(s) && (s >= 0 || (s === -1 && opts.allowInfer))) continue;
    const where = opts.what
      ? `${opts.what} ${fmtSizes(sizes)}: ${describeValue(s)} at index ${i}`
      : `shape ${fmtSizes(sizes)}: size ${describeValue(s)} at dimension ${i}`;
    throw new cls(`${op}: invalid ${where}`, {
      op,
      hint: `sizes must be non-negative integers${opts.allowInfer ? ' (or -1 for one inferred size)' : ''}`,
    });
  }
  return sizes as number[];
}

/**
 * Element count of `shape`, checked against {@link MAX_NUMEL} before anything is allocated.
 *
 * @example
 * checkNumel([1e5, 1e5], 'zeros'); // throws ArgumentError naming 10000000000 and the limit
 */
export function checkNumel(shape: readonly number[], op: string): number {
  const n = numelOf(shape);
  if (n > MAX_NUMEL) {
    throw new ArgumentError(
      `${op}: a tensor of shape ${fmtShape(shape)} would have ${n} elements, more than the ${MAX_NUMEL} one tensor can hold`,
      {
        op,
        hint: 'dl tensors are backed by JS typed arrays (at most 2^32 elements); use smaller sizes',
      },
    );
  }
  return n;
}

function fmtSizes(sizes: readonly unknown[]): string {
  return `[${sizes.map((s) => (typeof s === 'number' ? String(s) : describeValue(s))).join(', ')}]`;
}

/** A short description of a JS value for error messages (never the whole value). */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v)}`;
  if (typeof v === 'boolean' || typeof v === 'bigint') return `${typeof v} ${String(v)}`;
  if (Array.isArray(v)) return `array of length ${v.length}`;
  if (typeof v === 'function') return 'a function';
  const name = (v as object).constructor?.name;
  return name && name !== 'Object' ? `a ${name}` : 'an object';
}

/** Parse a shape given either as an array or as varargs; checks non-negative integers and the element count. */
export function parseShape(args: readonly (number | readonly number[])[], op: string): number[] {
  const shape = args.length === 1 && Array.isArray(args[0]) ? [...(args[0] as readonly number[])] : [...(args as number[])];
  checkSizes(shape, op);
  checkNumel(shape, op);
  return shape;
}

/** Resolve a single -1 in a requested view/reshape shape. */
export function inferShape(shape: readonly number[], numel: number, op: string, inShape: Shape): number[] {
  checkSizes(shape, op, { allowInfer: true, cls: ShapeError });
  const out = [...shape];
  let neg = -1;
  let known = 1;
  for (let i = 0; i < out.length; i++) {
    const s = out[i]!;
    if (s === -1) {
      if (neg >= 0) throw new ShapeError(`${op}: only one dimension can be inferred`, { op, hint: `got shape ${fmtShape(shape)}` });
      neg = i;
    } else known *= s;
  }
  if (neg >= 0) {
    if (known === 0 || numel % known !== 0) {
      throw new ShapeError(`${op}: shape ${fmtShape(shape)} is invalid for input of size ${numel}`, {
        op,
        hint: `the input has shape ${fmtShape(inShape)}`,
      });
    }
    out[neg] = numel / known;
  } else if (known !== numel) {
    throw new ShapeError(`${op}: shape ${fmtShape(shape)} is invalid for input of size ${numel}`, {
      op,
      hint: `the input has shape ${fmtShape(inShape)}; the product of the new sizes must be ${numel}`,
    });
  }
  return out;
}

/**
 * Strides for viewing a tensor with (shape, strides) as `newShape` without copying, or
 * null when impossible (PyTorch's `computeStride`).
 */
export function viewStrides(shape: Shape, strides: Shape, newShape: Shape): number[] | null {
  const numel = numelOf(shape);
  const out = new Array<number>(newShape.length);
  // 0-d and empty inputs: any shape with the same numel is a view (as PyTorch's computeStride).
  if (numel === 0 || shape.length === 0) return contiguousStrides(newShape);
  let viewD = newShape.length - 1;
  let chunkBase = strides[strides.length - 1] ?? 1;
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    tensorNumel *= shape[d]!;
    if (d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        out[viewD] = viewNumel * chunkBase;
        viewNumel *= newShape[viewD]!;
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = strides[d - 1]!;
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  if (viewD !== -1) return null;
  return out;
}

/**
 * Is (shape, strides) row-major contiguous (size-1 dims ignored)? A tensor with no elements is,
 * whatever its strides, as in torch (`torch.zeros(3, 0).is_contiguous()` is True).
 */
export function isContiguousLayout(shape: Shape, strides: Shape): boolean {
  if (shape.includes(0)) return true;
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] === 1) continue;
    if (strides[i] !== expected) return false;
    expected *= shape[i]!;
  }
  return true;
}
