import { getBackend } from '../registry.js';
import { ArgumentError } from '../errors.js';
import { atomicWriteFile, nodeModules } from './atomic-write.js';
import { SerializationError } from './errors.js';
import { ByteBudget, resolveLimits, type ReadLimits } from './limits.js';
import { isSafetensors, readSafetensors, writeSafetensors } from './safetensors.js';
import { isLegacyTorch, readTorch, writeTorch } from './torch-zip.js';
import type { Loaded, Savable } from './tree.js';
import { isZip } from './zip-reader.js';

/** The two file formats: PyTorch's zip (`.pt`, `.pth`, `.bin`) and safetensors. */
export type SaveFormat = 'pt' | 'safetensors';

/** Options of {@link save}. */
export interface SaveOptions {
  /** The format; default from the file's extension (`.safetensors`), else `'pt'`. */
  format?: SaveFormat;
  /** Write int32 tensors as int64 (`torch.long`, PyTorch's default integer dtype). Default false. */
  int64?: boolean;
  /** safetensors only: string metadata to store in the header's `__metadata__`. */
  metadata?: Record<string, string>;
}

/** Options of {@link load}: the format, where tensors go, and caps on what a file may make dl allocate. */
export interface LoadOptions extends ReadLimits {
  /** The format; default: detected from the bytes (zip → `'pt'`, JSON header → `'safetensors'`). */
  format?: SaveFormat;
  /** The device tensors are created on (`map_location`); default `'cpu'`. */
  device?: string;
}

function formatOf(file: string | undefined, format: SaveFormat | undefined): SaveFormat {
  if (format !== undefined) {
    if (format !== 'pt' && format !== 'safetensors') {
      throw new ArgumentError(`save: unknown format ${JSON.stringify(format)}`, { op: 'save', hint: "use 'pt' or 'safetensors'" });
    }
    return format;
  }
  return file !== undefined && /\.safetensors$/i.test(file) ? 'safetensors' : 'pt';
}

/**
 * Save `obj` as `torch.save` does. Without a file, resolves to the bytes (works in browsers);
 * with a path (Node), writes the file atomically (Note [Atomic save]). The format comes from
 * the extension: `.safetensors` is safetensors, anything else (`.pt`, `.pth`, `.bin`) PyTorch's
 * zip format, which `torch.load(f, weights_only=True)` reads. Numbers: Note [Python ints and
 * floats]; safetensors keeps non-tensor values as Note [Structure in safetensors metadata].
 * Tensors are read from their device (awaited); a view saves its whole storage in the `.pt`
 * format, so views and tensors sharing memory stay shared.
 *
 * @example
 * await dl.save(model.stateDict(), 'model.pt');
 * await dl.save({ model: model.stateDict(), epoch: 3 }, 'ckpt.safetensors');
 * const bytes = await dl.save(x); // Uint8Array
 */
export function save(obj: Savable | object, opts?: SaveOptions): Promise<Uint8Array>;
export function save(obj: Savable | object, file: string, opts?: SaveOptions): Promise<void>;
export function save(obj: Savable | object, file: undefined, opts?: SaveOptions): Promise<Uint8Array>;
export async function save(obj: Savable | object, fileOrOpts?: string | SaveOptions, maybeOpts?: SaveOptions): Promise<Uint8Array | void> {
  const file = typeof fileOrOpts === 'string' ? fileOrOpts : undefined;
  const opts = (typeof fileOrOpts === 'object' && fileOrOpts !== null ? fileOrOpts : maybeOpts) ?? {};
  const format = formatOf(file, opts.format);
  const int64 = opts.int64 ?? false;
  const bytes =
    format === 'safetensors'
      ? await writeSafetensors(obj, { int64, metadata: opts.metadata, op: 'save' })
      : await writeTorch(obj, { int64, op: 'save' });
  if (file === undefined) return bytes;
  if (!nodeModules()) {
    throw new ArgumentError(`save: writing to a path (${file}) needs Node.js`, {
      op: 'save',
      hint: 'in a browser, call dl.save(obj) for the bytes and store them yourself',
    });
  }
  try {
    await atomicWriteFile(file, bytes);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new SerializationError(`save: cannot write ${file}: ${err.code ?? ''} ${err.message}`.trim(), {
      op: 'save',
      key: file,
      hint:
        err.code === 'ENOENT'
          ? 'create the folder first'
          : err.code === 'ENOSPC'
            ? 'free some disk space'
            : 'check the path and its permissions',
    });
  }
}

/**
 * Load what {@link save} or `torch.save` wrote, as `torch.load(f, weights_only=True)`: tensors,
 * state dicts, optimizer states and plain containers, through a restricted unpickler that runs
 * no code. Takes a path (Node) or the bytes (browsers too); detects the format from the bytes.
 * Tensors land on `opts.device` (default cpu); float16 loads as float16, bfloat16 as float32 and int64 as
 * int32 (values must fit). Hostile files give typed errors ({@link SerializationError},
 * {@link UnpicklingError}, {@link LimitError}), never a crash or a giant allocation.
 *
 * @example
 * const sd = await dl.load<Record<string, dl.Tensor>>('model.pt');
 * const ckpt = await dl.load(bytes, { device: 'webgpu' });
 * await dl.load('big.safetensors', { maxBytes: 16 * 2 ** 30 });
 */
export async function load<T = Loaded>(src: string | Uint8Array | ArrayBuffer, opts: LoadOptions = {}): Promise<T> {
  const op = 'load';
  const limits = resolveLimits(opts);
  const device = opts.device ?? 'cpu';
  getBackend(device, op); // a typed error for an unknown device, before reading anything
  const bytes =
    typeof src === 'string' ? await readFileBytes(src, limits.maxBytes) : src instanceof ArrayBuffer ? new Uint8Array(src) : src;
  if (!(bytes instanceof Uint8Array)) {
    throw new ArgumentError(`load: expected a path, Uint8Array or ArrayBuffer, got ${Object.prototype.toString.call(src)}`, { op });
  }
  const format = opts.format ?? sniff(bytes);
  // the caller names what it expects (torch.load gives Any); the value is one of `Loaded`
  if (format === 'safetensors') return readSafetensors(bytes, { device, limits, op }) as T;
  return (await readTorch(bytes, { device, limits, op })) as T;
}

function sniff(bytes: Uint8Array): SaveFormat {
  if (isZip(bytes)) return 'pt';
  if (isSafetensors(bytes)) return 'safetensors';
  if (isLegacyTorch(bytes)) {
    throw new SerializationError(
      'load: this file is in the legacy PyTorch format (torch < 1.6, or _use_new_zipfile_serialization=False), which dl does not read',
      {
        op: 'load',
        hint: 'in PyTorch ≥ 1.6, load it and save it again with the default format: torch.save(torch.load(f), f2)',
      },
    );
  }
  if (bytes[0] === 0x80) {
    throw new SerializationError('load: this is a bare Python pickle, not a torch.save file', {
      op: 'load',
      hint: 'save tensors with torch.save (zip format) or as .safetensors',
    });
  }
  throw new SerializationError(
    `load: unknown file format (${bytes.length} bytes, starting ${[...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ')})`,
    {
      op: 'load',
      hint: 'dl.load reads torch.save files (PyTorch ≥ 1.6) and .safetensors files',
    },
  );
}

async function readFileBytes(file: string, maxBytes: number): Promise<Uint8Array> {
  const mods = nodeModules();
  if (!mods) {
    throw new ArgumentError(`load: reading a path (${file}) needs Node.js`, {
      op: 'load',
      hint: 'in a browser, fetch the file and pass its bytes: dl.load(new Uint8Array(await (await fetch(url)).arrayBuffer()))',
    });
  }
  let fh: import('node:fs/promises').FileHandle | null = null;
  try {
    fh = await mods.fs.promises.open(file, 'r');
    const { size } = await fh.stat();
    new ByteBudget(maxBytes, 'load').take(size, `reading ${file}`, file);
    const out = new Uint8Array(size);
    let at = 0;
    while (at < size) {
      const { bytesRead } = await fh.read(out, at, size - at, at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    return at === size ? out : out.subarray(0, at);
  } catch (e) {
    if (e instanceof SerializationError) throw e;
    const err = e as NodeJS.ErrnoException;
    throw new SerializationError(`load: cannot read ${file}: ${err.code ?? ''} ${err.message}`.trim(), {
      op: 'load',
      key: file,
      hint: err.code === 'ENOENT' ? 'check the path' : 'check the path and its permissions',
    });
  } finally {
    await fh?.close().catch(() => {});
  }
}
