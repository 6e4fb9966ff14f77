import { PyGlobal, type GlobalKind, type StorageDType } from './py-values.js';

/**
 * Note [Restricted unpickling]
 * A pickle is a program: GLOBAL names any importable callable and REDUCE calls it, which is how a
 * `.pt` file can run `os.system`. dl never resolves names. GLOBAL is looked up in the table
 * below, which holds only what `torch.load(weights_only=True)` accepts (PyTorch 1.13's
 * `_weights_only_unpickler` allowlist, plus the pure helpers later versions added: `builtins.set`,
 * `frozenset`, `_codecs.encode` for bytes, `_rebuild_parameter_with_state`,
 * `_rebuild_from_type_v2`); each entry is a small data-only rule, not code. Anything else is an
 * `UnpicklingError` naming the global. Sparse, quantized, meta and complex tensors are in
 * torch's allowlist but dl has no such tensors: they are refused with a `SerializationError`.
 */

const STORAGE_DTYPES: Record<string, StorageDType | null> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
  ComplexFloatStorage: null,
  ComplexDoubleStorage: null,
  QInt8Storage: null,
  QUInt8Storage: null,
  QInt32Storage: null,
  QUInt4x2Storage: null,
  QUInt2x4Storage: null,
};

const DTYPE_NAMES = [
  'float16',
  'float32',
  'float64',
  'bfloat16',
  'half',
  'float',
  'double',
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'bool',
  'long',
  'int',
  'short',
  'complex32',
  'complex64',
  'complex128',
];

const TENSOR_CLASSES = [
  'Tensor',
  'FloatTensor',
  'DoubleTensor',
  'HalfTensor',
  'BFloat16Tensor',
  'LongTensor',
  'IntTensor',
  'ShortTensor',
  'CharTensor',
  'ByteTensor',
  'BoolTensor',
];

function buildTable(): Map<string, GlobalKind> {
  const t = new Map<string, GlobalKind>([
    ['collections.OrderedDict', { kind: 'ordered-dict' }],
    ['torch._utils._rebuild_tensor', { kind: 'rebuild-tensor', version: 1 }],
    ['torch._utils._rebuild_tensor_v2', { kind: 'rebuild-tensor', version: 2 }],
    ['torch._utils._rebuild_parameter', { kind: 'rebuild-parameter', withState: false }],
    ['torch._utils._rebuild_parameter_with_state', { kind: 'rebuild-parameter', withState: true }],
    ['torch._tensor._rebuild_from_type_v2', { kind: 'rebuild-from-type' }],
    ['torch.nn.parameter.Parameter', { kind: 'parameter' }],
    ['torch.Size', { kind: 'size' }],
    ['builtins.set', { kind: 'set', frozen: false }],
    ['builtins.frozenset', { kind: 'set', frozen: true }],
    ['__builtin__.set', { kind: 'set', frozen: false }],
    ['__builtin__.frozenset', { kind: 'set', frozen: true }],
    ['_codecs.encode', { kind: 'codecs-encode' }],
    ['torch._utils._rebuild_sparse_tensor', { kind: 'unsupported', what: 'sparse tensors' }],
    ['torch._utils._rebuild_sparse_csr_tensor', { kind: 'unsupported', what: 'sparse CSR tensors' }],
    ['torch._utils._rebuild_meta_tensor_no_storage', { kind: 'unsupported', what: 'meta tensors' }],
    ['torch._utils._rebuild_qtensor', { kind: 'unsupported', what: 'quantized tensors' }],
    ['torch.serialization._get_layout', { kind: 'unsupported', what: 'sparse tensor layouts' }],
  ]);
  for (const [name, dtype] of Object.entries(STORAGE_DTYPES)) {
    t.set(`torch.${name}`, { kind: 'storage', dtype });
    t.set(`torch.cuda.${name}`, { kind: 'storage', dtype });
  }
  for (const name of ['UntypedStorage', 'storage.UntypedStorage', 'storage._UntypedStorage'])
    t.set(`torch.${name}`, { kind: 'storage', dtype: 'uint8' });
  for (const name of DTYPE_NAMES) t.set(`torch.${name}`, { kind: 'dtype', name: `torch.${name}` });
  for (const name of TENSOR_CLASSES) t.set(`torch.${name}`, { kind: 'tensor-class' });
  t.set('torch._tensor.Tensor', { kind: 'tensor-class' });
  return t;
}

let TABLE: Map<string, GlobalKind> | null = null;

/**
 * @internal The allowlisted global `module.name`, or null when it is not allowed. The module
 * `torch.tensor` is read as `torch._tensor` (as torch.load does).
 *
 * @example
 * lookupGlobal('collections', 'OrderedDict'); // PyGlobal; lookupGlobal('os', 'system') → null
 */
export function lookupGlobal(module: string, name: string): PyGlobal | null {
  TABLE ??= buildTable();
  const mod = module === 'torch.tensor' ? 'torch._tensor' : module;
  const def = TABLE.get(`${mod}.${name}`);
  return def ? new PyGlobal(mod, name, def) : null;
}
