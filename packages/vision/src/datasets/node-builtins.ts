import { StateError } from '@dl/tensor';

/*
 * Kept out of io.ts (whose types are public through `datasets.readFileBounded` & co.): these
 * types name Node's modules, and a consumer without @types/node must not meet them in our .d.ts.
 */
type Fs = typeof import('node:fs');
type Path = typeof import('node:path');
type Zlib = typeof import('node:zlib');
type Crypto = typeof import('node:crypto');

/**
 * Node built-ins, loaded lazily so that importing @dl/vision stays browser-safe.
 *
 * @example
 * const { fs } = node();
 */
export function node(): { fs: Fs; path: Path; zlib: Zlib; crypto: Crypto } {
  const p = (globalThis as { process?: { getBuiltinModule?: (n: string) => unknown } }).process;
  const get = p?.getBuiltinModule;
  if (!get) {
    throw new StateError('@dl/vision datasets read files through Node.js built-ins (fs, zlib), and this runtime has none', {
      op: 'datasets',
      hint: 'run on Node.js >= 20.16 (process.getBuiltinModule); in a browser, build tensors from your own data (dl.tensor, TensorDataset)',
    });
  }
  return { fs: get('node:fs') as Fs, path: get('node:path') as Path, zlib: get('node:zlib') as Zlib, crypto: get('node:crypto') as Crypto };
}
