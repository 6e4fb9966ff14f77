/**
 * Note [Tensor methods from op families]
 * `Tensor` (tensor.ts) holds the core methods. Each later op family (cumulative ops, shape ops,
 * linear algebra, …) keeps its methods beside its functions, in its own `ops/<family>.ts`:
 *
 * ```ts
 * declare module '../tensor.js' {
 *   interface Tensor {
 *     /** Cumulative product along `dim` (`torch.cumprod`). @example dl.tensor([1, 2, 3]).cumprod(0) *\/
 *     cumprod(dim: number): Tensor;
 *   }
 * }
 * export const cumulativeMethods = {
 *   cumprod(this: Tensor, dim: number) { return cumprod(this, dim); },
 * } satisfies TensorMethods;
 * ```
 *
 * and `index.ts` (the package's one place for side effects) installs them with
 * `installMethods(cumulativeMethods)`. The interface merge types `x.cumprod(0)`; the install puts
 * the function on `Tensor.prototype`, non-enumerable, as class methods are. A name the class
 * already defines is an error at install time, so two families cannot silently fight over one.
 */
import { Tensor } from './tensor.js';

/** A family's methods: functions whose `this` is a Tensor, keyed by method name. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TensorMethods = {
  [K in keyof Tensor]?: Tensor[K] extends (...a: any[]) => any
    ? (this: Tensor, ...a: Parameters<Tensor[K]>) => ReturnType<Tensor[K]>
    : never;
};

/** @internal Put a family's methods on `Tensor.prototype` (Note [Tensor methods from op families]). */
export function installMethods(methods: TensorMethods): void {
  for (const [name, fn] of Object.entries(methods)) {
    if (Object.hasOwn(Tensor.prototype, name)) {
      throw new Error(`installMethods: Tensor.prototype.${name} is already defined`);
    }
    Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true, enumerable: false });
  }
}
