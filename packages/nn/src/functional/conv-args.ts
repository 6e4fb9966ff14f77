import { ArgumentError, ShapeError, fmtShape, type Tensor } from '@dl/tensor';

/**
 * Argument helpers of the conv and pooling functions and layers. Not re-exported by `F`
 * (functional/index.ts): they are plumbing, not `torch.nn.functional` names.
 */

/** A size given as one number or a pair. */
export type Size2 = number | readonly [number, number] | readonly number[];

/** A pair from a number or a pair. */
export function pair(v: Size2, name: string, op: string): [number, number] {
  if (typeof v === 'number') return [v, v];
  if (v.length === 1) return [v[0]!, v[0]!];
  if (v.length !== 2) throw new ArgumentError(`${op}: ${name} must be a number or a pair, got ${JSON.stringify(v)}`, { op });
  return [v[0]!, v[1]!];
}

/**
 * The output padding that makes a transposed convolution produce `outputSize` (its last two
 * entries; 2 or 4 given for a 4-D input), as PyTorch's `ConvTranspose2d._output_padding`: a
 * typed error when the size is out of the reachable range.
 *
 * @example
 * transposeOutputPadding(x, [8, 8], { stride: [2, 2], padding: [0, 0], dilation: [1, 1], kernelSize: [3, 3] }); // [1, 1]
 */
export function transposeOutputPadding(
  x: Tensor,
  outputSize: readonly number[],
  g: { stride: readonly number[]; padding: readonly number[]; dilation: readonly number[]; kernelSize: readonly number[] },
): [number, number] {
  const op = 'ConvTranspose2d';
  const nonSpatial = x.dim() === 4 ? 2 : 1;
  let size = [...outputSize];
  if (size.length === nonSpatial + 2) size = size.slice(nonSpatial);
  if (size.length !== 2) {
    throw new ArgumentError(
      `${op}: for ${x.dim()}D input, output_size must have 2 or ${nonSpatial + 2} elements (got ${outputSize.length})`,
      { op },
    );
  }
  const spatial = x.shape.slice(x.dim() - 2);
  const min = [0, 1].map((d) => (spatial[d]! - 1) * g.stride[d]! - 2 * g.padding[d]! + g.dilation[d]! * (g.kernelSize[d]! - 1) + 1);
  const max = min.map((m, d) => m + g.stride[d]! - 1);
  if (size.some((s, d) => !Number.isInteger(s) || s < min[d]! || s > max[d]!)) {
    throw new ShapeError(
      `${op}: requested an output size of ${fmtShape(size)}, but valid sizes range from ${fmtShape(min)} to ${fmtShape(max)} (for an input of ${fmtShape(spatial)})`,
      {
        op,
        hint: 'sizes between the two bounds are reachable with output padding; others need another stride or padding',
      },
    );
  }
  return [size[0]! - min[0]!, size[1]! - min[1]!];
}
