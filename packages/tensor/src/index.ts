/**
 * @dl/tensor — tensors with storage and strides, dtypes, the Backend spec every device
 * implements, the seeded generator and the op layer.
 *
 * @packageDocumentation
 *
 * @example
 * import * as dl from '@dl/tensor';
 * import '@dl/backend-cpu';
 * const x = dl.tensor([[1, 2], [3, 4]], { dtype: 'float32' });
 * console.log(x.matmul(x).toString());
 */
import { claimInstance } from './instance-guard.js';
// Note [One copy of @dl/tensor]: a second copy of @dl/tensor in this process throws here.
claimInstance();
export { version } from './version.js';
export { Tensor } from './tensor.js';
export { Size } from './size.js';
export { TypedStorage } from './storage-view.js';
export { setPrintOptions, getPrintOptions, type PrintOptions, type SetPrintOptions } from './print-options.js';
import { guardIndexAccess } from './coercion.js';
import { TensorBase } from './tensor-base.js';
// Note [No silent JS-operator answers]: t[i] reads a row, t[i] = v throws.
guardIndexAccess(TensorBase.prototype);
import { installMethods } from './tensor-methods.js';
// Note [Tensor methods from op families]: each family's methods, installed once here.
import { multinomialMethods } from './ops/multinomial.js';
installMethods(multinomialMethods);
import { mathExtraInPlaceMethods, mathExtraMethods } from './ops/math-extra.js';
installMethods(mathExtraMethods);
installMethods(mathExtraInPlaceMethods);
export {
  frac,
  logit,
  nanToNum,
  fmax,
  fmin,
  isclose,
  bitwiseNot,
  type NanToNumOptions,
  type IscloseOptions,
  type ClampOptions,
} from './ops/math-extra.js';
export { multinomial, type MultinomialOptions } from './ops/multinomial.js';
import { cumulativeMethods } from './ops/cumulative.js';
installMethods(cumulativeMethods);
export { cumprod, cummax, cummin, logcumsumexp, diff, type DiffOptions } from './ops/cumulative.js';
import { orderStatsMethods } from './ops/order-stats.js';
installMethods(orderStatsMethods);
export {
  median,
  nanmedian,
  kthvalue,
  mode,
  quantile,
  nanquantile,
  type QuantileOptions,
  type QuantileInterpolation,
} from './ops/order-stats.js';
import { statReductionMethods } from './ops/stat-reductions.js';
installMethods(statReductionMethods);
export { nansum, nanmean, countNonzero, aminmax, varMean, stdMean, type MinMax } from './ops/stat-reductions.js';
import { histogramMethods } from './ops/histogram.js';
installMethods(histogramMethods);
export { histc, bincount, bincountAsync, type HistcOptions, type BincountOptions } from './ops/histogram.js';
export { searchsorted, bucketize, type SearchsortedOptions } from './ops/search.js';
import { linalgExtraMethods } from './ops/linalg-extra.js';
installMethods(linalgExtraMethods);
export {
  addmm,
  addmv,
  baddbmm,
  addbmm,
  mv,
  kron,
  cross,
  cdist,
  det,
  inverse,
  slogdet,
  logdet,
  type ScaleOptions,
  type CdistComputeMode,
} from './ops/linalg-extra.js';
export { einsum, tensordot } from './ops/einsum.js';
export * as linalg from './linalg/index.js';
import { shapeExtraMethods } from './ops/shape-extra.js';
installMethods(shapeExtraMethods);
import { inplaceViewMethods } from './ops/inplace-views.js';
installMethods(inplaceViewMethods);
import { installIteration } from './ops/iteration.js';
installIteration();
export {
  roll,
  rot90,
  movedim,
  moveaxis,
  tile,
  repeatInterleave,
  unbind,
  tensorSplit,
  flipud,
  fliplr,
  type RepeatInterleaveOptions,
} from './ops/shape-extra.js';
export { hstack, vstack, rowStack, dstack, columnStack, meshgrid, type MeshgridOptions } from './ops/stack-extra.js';
export { trilIndices, triuIndices, type TriIndicesOptions } from './ops/tri-indices.js';
import { diagonalMethods } from './ops/diagonal.js';
installMethods(diagonalMethods);
export { diagonal, diagEmbed, diag, trace } from './ops/diagonal.js';
import { indexExtraMethods } from './ops/index-extra.js';
installMethods(indexExtraMethods);
export { take, takeAlongDim, indexAdd, indexCopy, indexFill } from './ops/index-extra.js';
import { scatterReduceMethods } from './ops/scatter-reduce.js';
installMethods(scatterReduceMethods);
export { scatterReduce, type ScatterReduction, type ScatterReduceOptions } from './ops/scatter-reduce.js';
export type { NestedArray } from './tensor-base.js';
export {
  DTYPES,
  DTYPE_NAMES,
  ITEMSIZE,
  hostArray,
  hostCtor,
  isFloating,
  isIntegral,
  assertDType,
  toDType,
  promoteTypes,
  resultType,
  type DType,
  type DTypeName,
  type HostArray,
  type HostArrayMap,
  type TypedCtor,
} from './dtype.js';
export { floatToHalfBits, halfBitsToFloat, roundToHalf } from './half.js';
export * from './errors.js';
export { initBackend, listDevices, getDefaultDevice, setDefaultDevice, type Device } from './registry.js';
export { Generator, manualSeed, defaultGenerator } from './generator.js';
export { tidy, keep, memory, endStep, type MemoryInfo } from './memory.js';
export type { GradFnLike, BackwardOptions } from './autograd-hook.js';
export { profile, profileAsync, recordFunction, isProfiling, Profile, type ProfileRow, type DeviceTiming } from './profiler.js';
export type { TableOptions } from './profile-table.js';
export type { CreateOptions, TensorOrScalar } from './ops/core.js';
export {
  tensor,
  fromArray,
  fromHost,
  empty,
  zeros,
  ones,
  full,
  emptyLike,
  zerosLike,
  onesLike,
  fullLike,
  arange,
  linspace,
  eye,
  rand,
  randn,
  randint,
  randperm,
  randLike,
  randnLike,
  type NestedData,
  type RandomOptions,
  type Arange,
  type Randint,
} from './ops/creation.js';
export { where, maskedFill, type OutOptions } from './ops/elementwise.js';
export type { ReduceOptions, ValuesIndices, VarOptions } from './ops/reduce.js';
export { at, view, expand, type Index } from './ops/views.js';
export {
  gather,
  scatter,
  scatterAdd,
  indexSelect,
  cat,
  stack,
  split,
  chunk,
  tril,
  triu,
  oneHot,
  flip,
  repeat,
  type DimOption,
} from './ops/indexing.js';
export type { RoundingMode } from './ops/div-rounding.js';
export type { TensorData } from './tensor-data.js';
export { matmul, mm, bmm, dot, outer } from './ops/linalg.js';
export { sort, argsort, topk, unique, uniqueAsync, type UniqueResult, type UniqueOptions } from './ops/sort.js';
export { nonzero, nonzeroAsync, maskedSelect, maskedSelectAsync, maskedScatter, type NonzeroOptions } from './ops/nonzero.js';
export { indexPut_, indexPut, type IndexPutOptions, type AdvancedIndex } from './ops/advanced-index.js';
export * from './functions.js';
export { broadcastShapesOf as broadcastShapes, MAX_NUMEL } from './shape.js';
export { conv2d } from './ops/conv.js';
export { maxPool2d, avgPool2d } from './ops/pool.js';
export { save, load, type SaveOptions, type LoadOptions, type SaveFormat } from './serialization/save-load.js';
export { pyFloat, PyFloat } from './serialization/py-values.js';
export type { Savable, Loaded } from './serialization/tree.js';
export type { ReadLimits } from './serialization/limits.js';
export { SerializationError, UnpicklingError, LimitError, type SerializationErrorInfo } from './serialization/errors.js';
