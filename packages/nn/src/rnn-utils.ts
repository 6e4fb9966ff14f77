/**
 * `nn.utils.rnn`: padding and packing variable-length sequences for the recurrent layers, as
 * `torch.nn.utils.rnn` (`PackedSequence`, `padSequence`, `packPaddedSequence`,
 * `padPackedSequence`, `packSequence`, `unpadSequence`, `unpackSequence`, `invertPermutation`).
 */
import * as dl from '@dl/tensor';
import { ArgumentError, DeviceError, ShapeError, type Tensor } from '@dl/tensor';

/**
 * Note [Packed sequences]
 * A batch of B sequences of lengths L₀ ≥ L₁ ≥ … (sorted, longest first) is packed time step by
 * time step: `data` holds step 0 of every sequence, then step 1 of the sequences that are at
 * least 2 long, and so on; `batchSizes[t]` is how many sequences are still running at step t
 * (non-increasing, `batchSizes[0] = B`). So the running sequences at every step are a prefix of
 * the batch, which is what lets a recurrent layer shrink its hidden state to `h[:batchSizes[t]]`
 * step by step. When the caller's batch was not sorted, `sortedIndices` is the permutation that
 * sorted it (`sorted = batch[sortedIndices]`) and `unsortedIndices` its inverse; states going in
 * and out of a recurrent layer are permuted with them, so the caller sees its own order.
 * Packing and padding are single `indexSelect`s (with a padding row appended when padding), so
 * gradients flow through both unchanged and they run on every backend.
 */

/**
 * A packed batch of variable-length sequences (Note [Packed sequences]), as
 * `torch.nn.utils.rnn.PackedSequence`: `data` [sum(batchSizes), *], `batchSizes` (int32, cpu),
 * `sortedIndices` / `unsortedIndices` (int32 on the data's device, or null when the batch was
 * given sorted). Recurrent layers take one and give one back.
 *
 * @example
 * const packed = nn.utils.rnn.packPaddedSequence(x, [3, 2], { enforceSorted: false });
 * const [out, h] = rnn(packed); // out is a PackedSequence
 */
export class PackedSequence {
  static {
    Object.defineProperty(this, 'name', { value: 'PackedSequence' });
  }
  readonly data: Tensor;
  readonly batchSizes: Tensor;
  readonly sortedIndices: Tensor | null;
  readonly unsortedIndices: Tensor | null;
  /** @internal `sortedIndices` as numbers, when known without a device read. */
  declare _order: number[] | null;
  constructor(
    data: Tensor,
    batchSizes: Tensor | readonly number[],
    sortedIndices: Tensor | null = null,
    unsortedIndices: Tensor | null = null,
  ) {
    this.data = data;
    this.batchSizes = batchSizes instanceof dl.Tensor ? batchSizes : dl.tensor([...batchSizes], { dtype: 'int32' });
    this.sortedIndices = sortedIndices;
    Object.defineProperty(this, '_order', { value: null, writable: true, enumerable: false });
    this.unsortedIndices = unsortedIndices ?? (sortedIndices ? invertOrder(readIndices(sortedIndices)).to(sortedIndices.device) : null);
  }
  /** @internal A PackedSequence whose sorting permutation dl knows as numbers (no device reads later). */
  static _of(data: Tensor, batchSizes: Tensor | readonly number[], order: number[] | null): PackedSequence {
    const sorted = order ? dl.tensor(order, { dtype: 'int32' }).to(data.device) : null;
    const ps = new PackedSequence(data, batchSizes, sorted, order ? invertOrder(order).to(data.device) : null);
    ps._order = order;
    return ps;
  }
  /** @internal The batch sizes as numbers. */
  sizes(): number[] {
    return readIndices(this.batchSizes);
  }
  /** @internal `sortedIndices` as numbers (null when the batch came sorted). */
  order(): number[] | null {
    if (this._order === null && this.sortedIndices) this._order = readIndices(this.sortedIndices);
    return this._order;
  }
  /**
   * The same packed batch with its data (and indices) on `device`.
   *
   * @example
   * packed.to('webgpu');
   */
  to(device: string): PackedSequence {
    if (this.data.device === device) return this;
    const ps = new PackedSequence(
      this.data.to(device),
      this.batchSizes,
      this.sortedIndices?.to(device) ?? null,
      this.unsortedIndices?.to(device) ?? null,
    );
    ps._order = this.order();
    return ps;
  }
  /**
   * `PackedSequence(data=…, batch_sizes=…, sorted_indices=…, unsorted_indices=…)`, as torch prints its namedtuple.
   *
   * @example
   * const packed = nn.utils.rnn.packSequence([dl.tensor([1, 2]), dl.tensor([3])]);
   * String(packed); // → 'PackedSequence(data=tensor([1., 3., 2.]), batch_sizes=tensor([2, 1]), …)'
   */
  toString(): string {
    return `PackedSequence(data=${String(this.data)}, batch_sizes=${String(this.batchSizes)}, sorted_indices=${String(this.sortedIndices)}, unsorted_indices=${String(this.unsortedIndices)})`;
  }
}

/** The inverse of a permutation, as an int32 cpu tensor. */
function invertOrder(p: readonly number[]): Tensor {
  const inv = new Array<number>(p.length);
  p.forEach((v, i) => (inv[v] = i));
  return dl.tensor(inv, { dtype: 'int32' });
}

/** An index tensor's values; they must be readable synchronously (cpu). */
function readIndices(t: Tensor): number[] {
  if (!t._backend.readSync) {
    throw new DeviceError(`PackedSequence: cannot read the ${t.device} index tensor synchronously`, {
      op: 'PackedSequence',
      hint: 'give batchSizes / sortedIndices on cpu (as torch keeps batch_sizes), or pack with nn.utils.rnn.packPaddedSequence / packSequence',
    });
  }
  return Array.from(t.dataSync() as ArrayLike<number>, Number);
}

/** Lengths as numbers: a number[] or a 1-D integer cpu tensor (torch: "a 1D CPU int64 tensor"). */
function lengthsOf(op: string, lengths: Tensor | readonly number[]): number[] {
  if (lengths instanceof dl.Tensor) {
    if (lengths.dim() !== 1 || lengths.dtype === 'bool' || lengths.dtype.startsWith('float')) {
      throw new ArgumentError(
        `${op}: lengths must be a 1-D integer tensor or an array of numbers, got a ${lengths.dim()}-D ${lengths.dtype} tensor`,
        { op, hint: 'pass the lengths as e.g. [5, 3, 2]' },
      );
    }
    if (lengths.device !== 'cpu') {
      throw new ArgumentError(`${op}: lengths must be on cpu, got a tensor on ${lengths.device}`, {
        op,
        hint: "as torch, the lengths argument should be a cpu tensor or an array: lengths.to('cpu')",
      });
    }
    return Array.from(lengths.dataSync() as ArrayLike<number>, Number);
  }
  if (!Array.isArray(lengths) || lengths.some((v) => typeof v !== 'number' || !Number.isInteger(v))) {
    throw new ArgumentError(`${op}: lengths must be an array of integers or a 1-D integer tensor`, {
      op,
      hint: 'pass the lengths as e.g. [5, 3, 2]',
    });
  }
  return [...lengths];
}

/**
 * Pad a list of tensors [Lᵢ, *] to the longest with `paddingValue` and stack them: [maxL, B, *],
 * or [B, maxL, *] with `batchFirst`, as `torch.nn.utils.rnn.pad_sequence`.
 *
 * @example
 * nn.utils.rnn.padSequence([dl.ones(3, 2), dl.ones(1, 2)], { batchFirst: true }).shape; // [2, 3, 2]
 */
export function padSequence(sequences: readonly Tensor[], opts: { batchFirst?: boolean; paddingValue?: number } = {}): Tensor {
  const op = 'padSequence';
  if (!Array.isArray(sequences) || sequences.length === 0) {
    throw new ArgumentError(`${op}: expected a non-empty list of tensors`, { op, hint: 'nn.utils.rnn.padSequence([a, b, c])' });
  }
  const first = sequences[0]!;
  if (first.dim() < 1) throw new ShapeError(`${op}: expected tensors of at least 1 dimension [L, *], got a 0-d tensor`, { op });
  const trailing = first.shape.slice(1);
  for (const [i, s] of sequences.entries()) {
    if (s.dim() !== first.dim() || s.shape.slice(1).some((v: number, d: number) => v !== trailing[d])) {
      throw new ShapeError(
        `${op}: every sequence must have shape [L, ${trailing.join(', ')}], but sequence ${i} has [${s.shape.join(', ')}]`,
        {
          op,
          hint: 'only the first (time) dimension may differ',
        },
      );
    }
  }
  const maxLen = Math.max(...sequences.map((s) => s.shape[0]!));
  const value = opts.paddingValue ?? 0;
  const padded = sequences.map((s) => {
    const len = s.shape[0]!;
    if (len === maxLen) return s;
    return dl.cat([s, dl.full([maxLen - len, ...trailing], value, { dtype: s.dtype, device: s.device })], 0);
  });
  return dl.stack(padded, opts.batchFirst ? 0 : 1);
}

/**
 * Pack a padded batch [T, B, *] (or [B, T, *] with `batchFirst`) of sequences of the given
 * `lengths` (Note [Packed sequences]), as `torch.nn.utils.rnn.pack_padded_sequence`. With
 * `enforceSorted` (the default) the lengths must be non-increasing; pass `enforceSorted: false`
 * to have the batch sorted (and unsorted again by the recurrent layer).
 *
 * @example
 * const packed = nn.utils.rnn.packPaddedSequence(padded, [4, 2, 1]);
 */
export function packPaddedSequence(
  input: Tensor,
  lengths: Tensor | readonly number[],
  opts: { batchFirst?: boolean; enforceSorted?: boolean } = {},
): PackedSequence {
  const op = 'packPaddedSequence';
  let lens = lengthsOf(op, lengths);
  const batchFirst = opts.batchFirst ?? false;
  if (input.dim() < 2)
    throw new ShapeError(
      `${op}: expected a padded input of at least 2 dimensions ([T, B, *] or [B, T, *]), got shape [${input.shape.join(', ')}]`,
      { op },
    );
  const bDim = batchFirst ? 0 : 1;
  const B = input.shape[bDim]!;
  const T = input.shape[1 - bDim]!;
  if (lens.length !== B) {
    throw new ShapeError(`${op}: Expected \`len(lengths)\` to be equal to batch_size, but got ${lens.length} (batch_size=${B})`, {
      op,
      hint: batchFirst ? 'the input is [B, T, *] with batchFirst' : 'the input is [T, B, *]; pass batchFirst: true for [B, T, *]',
    });
  }
  let order: number[] | null = null;
  if (opts.enforceSorted ?? true) {
    for (let i = 1; i < lens.length; i++) {
      if (lens[i]! > lens[i - 1]!) {
        throw new ArgumentError(
          `${op}: \`lengths\` array must be sorted in decreasing order when \`enforceSorted\` is true, got [${lens.join(', ')}]`,
          {
            op,
            hint: 'pass enforceSorted: false to have the batch sorted for you',
          },
        );
      }
    }
  } else {
    order = lens.map((_, i) => i).sort((a, b) => lens[b]! - lens[a]!);
    lens = order.map((i) => lens[i]!);
  }
  if (lens.length > 0 && lens[lens.length - 1]! <= 0) {
    throw new ArgumentError(
      `${op}: Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0: [${lengthsOf(op, lengths).join(', ')}]`,
      { op },
    );
  }
  if (lens.length > 0 && lens[0]! > T) {
    throw new ShapeError(`${op}: a length (${lens[0]}) is longer than the padded input's time dimension (${T})`, {
      op,
      hint: batchFirst ? 'the input is [B, T, *] with batchFirst' : 'the input is [T, B, *]; pass batchFirst: true for [B, T, *]',
    });
  }
  const maxLen = lens[0] ?? 0;
  const batchSizes: number[] = [];
  const index: number[] = [];
  for (let t = 0; t < maxLen; t++) {
    let bs = 0;
    while (bs < lens.length && lens[bs]! > t) bs++;
    batchSizes.push(bs);
    for (let j = 0; j < bs; j++) {
      const b = order ? order[j]! : j;
      index.push(batchFirst ? b * T + t : t * B + b);
    }
  }
  const rows = input.reshape(T * B, ...input.shape.slice(2));
  const data = rows.indexSelect(0, dl.tensor(index, { dtype: 'int32' }).to(input.device));
  return PackedSequence._of(data, batchSizes, order);
}

/**
 * Unpack a `PackedSequence` to a padded batch [T, B, *] (or [B, T, *] with `batchFirst`) filled
 * with `paddingValue`, in the caller's original batch order; returns `[padded, lengths]` (lengths
 * int32 on cpu), as `torch.nn.utils.rnn.pad_packed_sequence`. `totalLength` pads T further.
 *
 * @example
 * const [out, lengths] = nn.utils.rnn.padPackedSequence(packedOut, { batchFirst: true });
 */
export function padPackedSequence(
  sequence: PackedSequence,
  opts: { batchFirst?: boolean; paddingValue?: number; totalLength?: number | null } = {},
): [Tensor, Tensor] {
  const op = 'padPackedSequence';
  if (!(sequence instanceof PackedSequence))
    throw new ArgumentError(`${op}: expected a PackedSequence`, {
      op,
      hint: 'make one with nn.utils.rnn.packPaddedSequence or packSequence',
    });
  const sizes = sequence.sizes();
  const maxLen = sizes.length;
  const B = sizes[0] ?? 0;
  const T = opts.totalLength ?? maxLen;
  if (T < maxLen) {
    throw new ArgumentError(
      `${op}: Expected total_length to be at least the length of the longest sequence in input, but got totalLength=${T} and max sequence length being ${maxLen}`,
      { op },
    );
  }
  const data = sequence.data;
  const n = data.shape[0]!;
  const trailing = data.shape.slice(1);
  const order = sequence.order();
  const unsorted = order ? Array.from(invertOrder(order).dataSync() as ArrayLike<number>, Number) : null;
  // row of the padded output (in the caller's batch order) -> row of data, or n (the padding row)
  const offsets: number[] = [];
  let off = 0;
  for (const s of sizes) {
    offsets.push(off);
    off += s;
  }
  const batchFirst = opts.batchFirst ?? false;
  const index: number[] = new Array<number>(T * B);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const j = unsorted ? unsorted[b]! : b; // position in the sorted batch
      const src = t < maxLen && j < sizes[t]! ? offsets[t]! + j : n;
      index[batchFirst ? b * T + t : t * B + b] = src;
    }
  }
  const withPad = dl.cat([data, dl.full([1, ...trailing], opts.paddingValue ?? 0, { dtype: data.dtype, device: data.device })], 0);
  const padded = withPad
    .indexSelect(0, dl.tensor(index, { dtype: 'int32' }).to(data.device))
    .reshape(batchFirst ? [B, T, ...trailing] : [T, B, ...trailing]);
  const lens: number[] = [];
  for (let b = 0; b < B; b++) {
    const j = unsorted ? unsorted[b]! : b;
    let len = 0;
    while (len < maxLen && sizes[len]! > j) len++;
    lens.push(len);
  }
  return [padded, dl.tensor(lens, { dtype: 'int32' })];
}

/**
 * Pack a list of tensors [Lᵢ, *] (Note [Packed sequences]), as
 * `torch.nn.utils.rnn.pack_sequence`: `packPaddedSequence(padSequence(sequences), lengths)`.
 *
 * @example
 * const packed = nn.utils.rnn.packSequence([dl.rand(4, 8), dl.rand(2, 8)]);
 */
export function packSequence(sequences: readonly Tensor[], opts: { enforceSorted?: boolean } = {}): PackedSequence {
  const lengths = sequences.map((s) => s.shape[0] ?? 0);
  return packPaddedSequence(padSequence(sequences), lengths, { enforceSorted: opts.enforceSorted ?? true });
}

/**
 * Split a padded batch [T, B, *] (or [B, T, *] with `batchFirst`) back into the list of its
 * sequences [Lᵢ, *] (views), as `torch.nn.utils.rnn.unpad_sequence` (which, unlike torch's, leaves
 * the input untransposed).
 *
 * @example
 * const [a, b] = nn.utils.rnn.unpadSequence(padded, [3, 1]);
 */
export function unpadSequence(paddedSequences: Tensor, lengths: Tensor | readonly number[], opts: { batchFirst?: boolean } = {}): Tensor[] {
  const op = 'unpadSequence';
  const lens = lengthsOf(op, lengths);
  if (paddedSequences.dim() < 2)
    throw new ShapeError(`${op}: expected a padded input of at least 2 dimensions, got shape [${paddedSequences.shape.join(', ')}]`, {
      op,
    });
  const x = opts.batchFirst ? paddedSequences : paddedSequences.transpose(0, 1);
  const [B, T] = [x.shape[0]!, x.shape[1]!];
  if (lens.length !== B)
    throw new ShapeError(`${op}: expected ${B} lengths (the batch size), got ${lens.length}`, {
      op,
      hint: opts.batchFirst ? 'the input is [B, T, *] with batchFirst' : 'the input is [T, B, *]; pass batchFirst: true for [B, T, *]',
    });
  return lens.map((len, b) => {
    if (!(len >= 0 && len <= T)) throw new ArgumentError(`${op}: length ${len} of sequence ${b} is outside [0, ${T}]`, { op });
    return x.select(0, b).narrow(0, 0, len);
  });
}

/**
 * The sequences of a `PackedSequence` as a list of tensors [Lᵢ, *] in the caller's order, as
 * `torch.nn.utils.rnn.unpack_sequence`.
 *
 * @example
 * const [a, b] = nn.utils.rnn.unpackSequence(nn.utils.rnn.packSequence([a0, b0], { enforceSorted: false }));
 */
export function unpackSequence(packedSequences: PackedSequence): Tensor[] {
  const [padded, lengths] = padPackedSequence(packedSequences, { batchFirst: true });
  return unpadSequence(padded, lengths, { batchFirst: true });
}

/**
 * The inverse of a permutation (`inv[perm[i]] = i`), or null for null, as
 * `torch.nn.utils.rnn.invert_permutation`; on the permutation's device.
 *
 * @example
 * nn.utils.rnn.invertPermutation(dl.tensor([2, 0, 1])); // tensor([1, 2, 0])
 */
export function invertPermutation(permutation: Tensor | null): Tensor | null {
  if (permutation === null) return null;
  return invertOrder(readIndices(permutation)).to(permutation.device);
}
