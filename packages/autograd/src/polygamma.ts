import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';

/**
 * ψ₁(x), the trigamma function (`torch.polygamma(1, x)`): digamma's derivative, written with
 * tensor ops as torch's `calc_trigamma` (the reflection formula below 0.5, six steps of the
 * recurrence ψ₁(x) = ψ₁(x + 1) + 1/x², then the asymptotic series), so it runs on every backend
 * and differentiates again.
 *
 * @example
 * trigamma(dl.tensor([1])); // tensor([1.6449]) (π²/6)
 */
export function trigamma(x: Tensor): Tensor {
  const refl = x.lt(0.5);
  const sinPiX = x.mul(Math.PI).sin();
  let result = dl.where(
    refl,
    sinPiX
      .square()
      .reciprocal()
      .mul(-(Math.PI * Math.PI)),
    0,
  );
  let z = dl.where(refl, x.neg().add(1), x);
  for (let i = 0; i < 6; i++) {
    result = result.add(z.square().reciprocal());
    z = z.add(1);
  }
  const ixx = z.square().reciprocal();
  const poly = ixx.mul(
    ixx
      .mul(
        ixx
          .mul(1 / 42)
          .neg()
          .add(1 / 30),
      )
      .neg()
      .add(1 / 6),
  );
  result = result.add(poly.add(1).add(z.mul(2).reciprocal()).div(z));
  return dl.where(refl, result.neg(), result);
}
