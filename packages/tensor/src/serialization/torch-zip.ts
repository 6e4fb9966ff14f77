import type { Storage } from '../storage.js';
import type { Tensor } from '../tensor.js';
import { decodeUtf8, encodeUtf8 } from './bytes.js';
import { SerializationError } from './errors.js';
import { encodeElements, FILE_ITEMSIZE, saveDType } from './dtypes.js';
import { ByteBudget, checkCap, type ReadLimits } from './limits.js';
import { pickle } from './pickle-writer.js';
import { StorageRef, TensorSpec, type PyValue } from './py-values.js';
import { TensorBuilder, readStorage, type RawStorage } from './tensors.js';
import { fromPy, toPy, type Loaded } from './tree.js';
import { unpickle } from './unpickler.js';
import { readEntry, readZip } from './zip-reader.js';
import { writeZip, type ZipInput } from './zip-writer.js';

/**
 * Note [PyTorch's zip format]
 * `torch.save` (PyTorch ≥ 1.6) writes a zip of stored entries under one folder (`archive/`, or
 * the file's stem): `data.pkl`, a protocol-2 pickle of the object in which each tensor is
 * `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)` and each
 * storage a persistent id `('storage', torch.FloatStorage, key, location, numel)`; the storage
 * bytes in `data/<key>` (little-endian, aligned to 64 bytes); `version` (`3`); and from
 * PyTorch 2.1 `byteorder` (`little`). Storages are shared by key, which is how views and tensors
 * sharing memory survive a save. dl writes the same layout (with `byteorder`), one key per dl
 * Storage, and reads it back into one dl Storage per key. `torch.load(f, weights_only=True)`
 * reads dl's files; PyTorch 1.13's weights_only unpickler has no float opcode (BINFLOAT), so there
 * a file holding Python floats (an optimizer's `lr`) needs `weights_only=False`, exactly as
 * torch's own save of the same object does (tools/fixtures/serialization_fixtures.py checks both).
 */

const LEGACY_MAGIC = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

/**
 * Is this the pre-1.6 PyTorch format (a pickle starting with torch's magic number, or a tar)?
 *
 * @example
 * isLegacyTorch(bytes); // true for torch.save(..., _use_new_zipfile_serialization=False)
 */
export function isLegacyTorch(bytes: Uint8Array): boolean {
  if (LEGACY_MAGIC.every((b, i) => bytes[i] === b)) return true;
  return bytes.length > 262 && decodeAscii(bytes.subarray(257, 262)) === 'ustar';
}

function decodeAscii(b: Uint8Array): string {
  return String.fromCharCode(...b);
}

/** Options of reading a PyTorch file. */
export interface TorchReadOptions {
  device: string;
  limits: Required<ReadLimits>;
  op: string;
}

/**
 * @internal Read what `torch.save` wrote (the zip format) with the restricted unpickler.
 *
 * @example
 * const sd = await readTorch(bytes, { device: 'cpu', limits: resolveLimits(), op: 'load' });
 */
export async function readTorch(bytes: Uint8Array, opts: TorchReadOptions): Promise<Loaded> {
  const { op, limits } = opts;
  const zip = readZip(bytes, limits, op);
  const first = zip.entries[0];
  const slash = first ? first.name.indexOf('/') : -1;
  if (!first || slash <= 0) {
    throw new SerializationError(`${op}: this zip is not a torch.save file (its entries are not under one folder)`, {
      op,
      hint: 'dl.load reads files written by torch.save (PyTorch ≥ 1.6) or dl.save, and .safetensors files',
    });
  }
  const prefix = first.name.slice(0, slash + 1);
  const entry = (name: string) => zip.byName.get(prefix + name);
  const pklEntry = entry('data.pkl');
  if (!pklEntry) {
    throw new SerializationError(`${op}: this zip has no ${prefix}data.pkl, so it is not a torch.save file`, {
      op,
      hint: 'dl.load reads files written by torch.save (PyTorch ≥ 1.6) or dl.save, and .safetensors files',
    });
  }
  if (entry('constants.pkl')) {
    throw new SerializationError(`${op}: this is a TorchScript archive (torch.jit.save), not a torch.save file`, {
      op,
      hint: 'in PyTorch, save the weights with torch.save(model.state_dict(), f) and load those',
    });
  }
  const budget = new ByteBudget(limits.maxBytes, op);
  const byteorder = entry('byteorder');
  if (byteorder) {
    const order = decodeUtf8(await readEntry(zip, byteorder, budget, op), op, 'byteorder').trim();
    if (order !== 'little') {
      throw new SerializationError(`${op}: the file was written on a ${order}-endian machine`, {
        op,
        key: byteorder.name,
        hint: 'dl reads little-endian files; re-save it on a little-endian machine',
      });
    }
  }
  checkCap(op, pklEntry.size, limits, 'maxHeaderBytes', `${pklEntry.name}`, pklEntry.name);
  const pkl = await readEntry(zip, pklEntry, budget, op);
  const value = unpickle(pkl, {
    op,
    source: pklEntry.name,
    maxObjects: limits.maxObjects,
    onStorage: (s) => {
      const e = entry(`data/${s.key}`);
      if (!e)
        throw new SerializationError(`${op}: storage ${s.key} has no record ${prefix}data/${s.key}`, {
          op,
          key: s.key,
          hint: 'the file is corrupt or incomplete',
        });
      const need = s.numel * FILE_ITEMSIZE[s.dtype];
      if (e.size !== need) {
        throw new SerializationError(
          `${op}: record ${e.name} holds ${e.size} bytes, but storage ${s.key} of ${s.numel} ${s.dtype} needs ${need}`,
          {
            op,
            key: e.name,
            hint: 'the file is corrupt',
          },
        );
      }
    },
  });
  const refs = collectStorages(value);
  const raw = new Map<string, RawStorage>();
  for (const s of refs)
    raw.set(s.key, { dtype: s.dtype, numel: s.numel, bytes: await readEntry(zip, entry(`data/${s.key}`)!, budget, op) });
  const builder = new TensorBuilder((k) => raw.get(k)!, opts.device, budget, op);
  try {
    const out = fromPy(
      value,
      { tensor: (spec, path) => builder.fromSpec(spec, path), storage: (ref, path) => builder.view(ref.key, [ref.numel], [1], 0, path) },
      op,
      limits.maxDepth,
    );
    builder.finish();
    return out;
  } catch (e) {
    builder.abort();
    throw e;
  }
}

/** Every storage an unpickled value refers to (each once). */
function collectStorages(v: PyValue): StorageRef[] {
  const out = new Map<string, StorageRef>();
  const seen = new Set<object>();
  const stack: PyValue[] = [v];
  while (stack.length) {
    const x = stack.pop()!;
    if (x === null || typeof x !== 'object' || seen.has(x)) continue;
    seen.add(x);
    if (x instanceof TensorSpec) out.set(x.storage.key, x.storage);
    else if (x instanceof StorageRef) out.set(x.key, x);
    else if (Array.isArray(x)) stack.push(...x);
    else if (x instanceof Map) for (const [k, y] of x) stack.push(k, y);
    else if (x instanceof Set) stack.push(...x);
    else if ('items' in x && Array.isArray(x.items)) stack.push(...x.items);
  }
  return [...out.values()];
}

/** Options of writing a PyTorch file. */
export interface TorchWriteOptions {
  /** Write int32 tensors as int64 (`torch.long`). */
  int64: boolean;
  op: string;
}

/**
 * @internal Write `obj` as `torch.save` does (Note [PyTorch's zip format]); readable by
 * `torch.load(f, weights_only=True)`.
 *
 * @example
 * const bytes = await writeTorch({ w: dl.ones(2) }, { int64: false, op: 'save' });
 */
export async function writeTorch(obj: unknown, opts: TorchWriteOptions): Promise<Uint8Array> {
  const { op } = opts;
  const storages = new Map<Storage, StorageRef>();
  const py = toPy(
    obj,
    (t: Tensor) => {
      t._view(op); // a disposed tensor is a typed error here
      let ref = storages.get(t._storage);
      if (!ref) {
        ref = new StorageRef(saveDType(t.dtype, opts.int64), String(storages.size), 'cpu', t._storage.numel);
        storages.set(t._storage, ref);
      }
      return new TensorSpec(ref, t._offset, t.shape, t._strides, t.requiresGrad);
    },
    op,
  );
  const pkl = pickle(py, op);
  const records: ZipInput[] = [];
  for (const [s, ref] of storages) {
    records.push({ name: `archive/data/${ref.key}`, data: encodeElements(await readStorage(s, op), ref.dtype === 'int64') });
  }
  records.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)); // as torch: by key, as strings
  return writeZip(
    [
      { name: 'archive/data.pkl', data: pkl },
      { name: 'archive/byteorder', data: encodeUtf8('little') },
      ...records,
      { name: 'archive/version', data: encodeUtf8('3\n') },
    ],
    op,
  );
}
