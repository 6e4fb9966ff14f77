import { ArgumentError, ShapeError, fmtShape, type Tensor } from '@dl/tensor';
import { defineOp } from '@dl/tensor/internal';

function check(op: string, x: Tensor, r: number, what: string): void {
  if (!Number.isInteger(r) || r < 1) throw new ArgumentError(`${op}: ${what} must be a positive integer, got ${r}`, { op });
  if (x.dim() < 3)
    throw new ShapeError(`${op}: expects input to have at least 3 dimensions, but got input ${fmtShape(x.shape)}`, {
      op,
      hint: 'the input is [*, C, H, W]',
    });
}

/**
 * Rearrange [*, C·r², H, W] into [*, C, H·r, W·r] (sub-pixel convolution), as torch's
 * `F.pixel_shuffle`: a reshape, a permute and a reshape.
 *
 * @example
 * F.pixelShuffle(x, 3); // [1, 9, 4, 4] → [1, 1, 12, 12]
 */
export const pixelShuffle = defineOp('pixelShuffle', (x: Tensor, upscaleFactor: number): Tensor => {
  const op = 'pixelShuffle';
  const r = upscaleFactor;
  check(op, x, r, 'upscaleFactor');
  const lead = x.shape.slice(0, -3);
  const [C, H, W] = x.shape.slice(-3) as [number, number, number];
  if (C % (r * r) !== 0) {
    throw new ShapeError(
      `${op}: expects its input's 'channel' dimension to be divisible by the square of upscaleFactor, but input.size(-3)=${C} is not divisible by ${r * r}`,
      { op },
    );
  }
  const n = lead.length;
  const oc = C / (r * r);
  const perm = [...lead.map((_, i) => i), n, n + 3, n + 1, n + 4, n + 2];
  return x
    .reshape([...lead, oc, r, r, H, W])
    .permute(...perm)
    .reshape([...lead, oc, H * r, W * r]);
});

/**
 * The inverse of {@link pixelShuffle}: [*, C, H·r, W·r] → [*, C·r², H, W], as torch's
 * `F.pixel_unshuffle`.
 *
 * @example
 * F.pixelUnshuffle(x, 2); // [1, 1, 4, 4] → [1, 4, 2, 2]
 */
export const pixelUnshuffle = defineOp('pixelUnshuffle', (x: Tensor, downscaleFactor: number): Tensor => {
  const op = 'pixelUnshuffle';
  const r = downscaleFactor;
  check(op, x, r, 'downscaleFactor');
  const lead = x.shape.slice(0, -3);
  const [C, H, W] = x.shape.slice(-3) as [number, number, number];
  if (H % r !== 0)
    throw new ShapeError(`${op}: expects height to be divisible by downscaleFactor, but input.size(-2)=${H} is not divisible by ${r}`, {
      op,
    });
  if (W % r !== 0)
    throw new ShapeError(`${op}: expects width to be divisible by downscaleFactor, but input.size(-1)=${W} is not divisible by ${r}`, {
      op,
    });
  const n = lead.length;
  const perm = [...lead.map((_, i) => i), n, n + 2, n + 4, n + 1, n + 3];
  return x
    .reshape([...lead, C, H / r, r, W / r, r])
    .permute(...perm)
    .reshape([...lead, C * r * r, H / r, W / r]);
});
