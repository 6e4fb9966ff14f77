/**
 * Note [Options where torch has positional keywords]
 * torch lets a caller give keyword parameters positionally: `torch.median(x, 1, True)`,
 * `torch.linalg.eigh(A, 'U')`, `torch.linalg.vector_norm(x, 2, 1)`. dl takes them in one options
 * object (`x.median(1, { keepdim: true })`). A port that keeps torch's positional form hands the
 * op a boolean, string or number where the object goes; reading `.keepdim` off `true` is
 * `undefined`, so the op would silently use its defaults — the full norm instead of a row norm,
 * the lower triangle instead of the upper (and `null`, torch's `None`, would crash reading a
 * field). The ops of this family therefore check that slot: `undefined` or an object pass,
 * anything else is an ArgumentError naming the op, what it got, and the options form to write
 * instead.
 */
import { ArgumentError } from '../errors.js';
import { describeValue } from '../shape.js';
import { Tensor } from '../tensor.js';

/**
 * @internal Throws unless `opts` is `undefined` or an options object (Note [Options
 * where torch has positional keywords]); `form` is the call to suggest, e.g.
 * `"x.median(1, { keepdim: true })"`.
 *
 * @example
 * checkOptionsArg('median', true, 'x.median(1, { keepdim: true })'); // throws ArgumentError
 */
export function checkOptionsArg(op: string, opts: unknown, form: string): void {
  if (opts === undefined) return;
  if (typeof opts === 'object' && opts !== null && !Array.isArray(opts) && !(opts instanceof Tensor)) return;
  throw new ArgumentError(
    `${op}: expected an options object where torch takes keyword arguments, got ${opts instanceof Tensor ? `a Tensor of shape [${opts.shape.join(', ')}]` : describeValue(opts)}`,
    {
      op,
      hint: `give torch's keywords by name in one object, e.g. ${form}`,
    },
  );
}
