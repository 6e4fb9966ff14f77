/**
 * `@dl/tensor/backend` — what a device backend implements and uses: the `Backend` contract and
 * its kernel types, the primitive table (and `KernelTable`, the exhaustive per-primitive kernel
 * map), `Storage`, `registerBackend`, the Philox generator every device must match, and the
 * host-array and stride helpers. Users import `@dl/tensor`; backend authors this.
 *
 * @packageDocumentation
 *
 * @example
 * import { registerBackend, specVersion, type Backend } from '@dl/tensor/backend';
 * registerBackend(myBackend); // myBackend.specVersion's major must equal specVersion's
 */
import { claimInstance } from './instance-guard.js';
// Note [One copy of @dl/tensor]: a backend bound to a second copy of @dl/tensor throws here.
claimInstance();
export * from './backend.js';
export type { DType, HostArray } from './dtype.js';
export { hostArray, ITEMSIZE } from './dtype.js';
export { KERNEL_WRITES } from './half.js';
export { Storage } from './storage.js';
export { registerBackend, getBackend, listDevices } from './registry.js';
export { philoxFill, philox4x32 } from './philox.js';
export {
  PRIMITIVES,
  primitivesOf,
  primitiveSpec,
  type Primitive,
  type PrimitiveKind,
  type PrimitiveSpec,
  type PrimitiveTable,
  type PrimitivesOf,
  type DTypeRule,
  type Domain,
  type FixtureRefs,
  type KernelTable,
  type UnaryWithDType,
  type LossReduction,
} from './primitives.js';
export { contiguousStrides, numelOf, type Shape } from './shape.js';
