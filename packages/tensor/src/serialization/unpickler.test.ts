import { describe, expect, it } from 'vitest';
import { SerializationError, UnpicklingError } from './errors.js';
import { pickle } from './pickle-writer.js';
import { PyFloat, PyTuple, StorageRef, TensorSpec, type PyValue } from './py-values.js';
import { unpickle } from './unpickler.js';

const enc = new TextEncoder();
/** Pickle bytes from opcodes written as a mix of strings and byte arrays. */
function pk(...parts: (string | number[])[]): Uint8Array {
  const out: number[] = [0x80, 2];
  for (const p of parts) out.push(...(typeof p === 'string' ? enc.encode(p) : p));
  return new Uint8Array(out);
}

describe('pickle writer → restricted unpickler', () => {
  it('round-trips plain values: ints at every width, floats, strings, bytes, tuples, lists, dicts, sets', () => {
    const ints = [0, 255, 256, 65535, 65536, -1, -(2 ** 31), 2 ** 31 - 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 - 1, -(2 ** 53) + 1];
    const v = new Map<PyValue, PyValue>([
      ['ints', ints],
      ['big', [2n ** 64n, -(2n ** 64n), 2n ** 63n - 1n, -(2n ** 63n)]],
      ['floats', [0.5, -0, NaN, Infinity, -Infinity, 1e-310, new PyFloat(3)]],
      ['str', 'héllo ✓ 𝄞'],
      ['bytes', new Uint8Array([0, 255, 128])],
      ['tuple', new PyTuple([1, new PyTuple([]), new PyTuple([1, 2, 3, 4])])],
      [7, null],
      [true, false],
      ['set', new Set([1, 'a'])],
    ]);
    const back = unpickle(pickle(v)) as Map<PyValue, PyValue>;
    expect(back.get('ints')).toEqual(ints);
    expect(back.get('big')).toEqual([2n ** 64n, -(2n ** 64n), 2n ** 63n - 1n, -(2n ** 63n)]);
    const f = back.get('floats') as number[];
    expect(f[0]).toBe(0.5);
    expect(Object.is(f[1], -0)).toBe(true);
    expect(f.slice(2)).toEqual([NaN, Infinity, -Infinity, 1e-310, 3]);
    expect(back.get('str')).toBe('héllo ✓ 𝄞');
    expect(back.get('bytes')).toEqual(new Uint8Array([0, 255, 128]));
    expect(back.get('tuple')).toEqual(new PyTuple([1, new PyTuple([]), new PyTuple([1, 2, 3, 4])]));
    expect(back.get(7)).toBeNull();
    expect(back.get(true)).toBe(false);
    expect(back.get('set')).toEqual(new Set([1, 'a']));
  });

  it('keeps shared and cyclic containers shared (memo)', () => {
    const inner = [1];
    const cyc: PyValue[] = [];
    cyc.push(cyc);
    const back = unpickle(pickle([inner, inner, cyc])) as PyValue[][];
    expect(back[0]).toBe(back[1]);
    expect(back[2]![0]).toBe(back[2]);
  });

  it('writes tensors as torch does and reads them back as specs sharing a storage', () => {
    const s = new StorageRef('float32', '0', 'cpu', 6);
    const a = new TensorSpec(s, 0, [2, 3], [3, 1], false);
    const b = new TensorSpec(s, 0, [3, 2], [1, 3], true);
    const back = unpickle(
      pickle(
        new Map<PyValue, PyValue>([
          ['a', a],
          ['b', b],
        ]),
      ),
    ) as Map<string, TensorSpec>;
    expect(back.get('a')!.storage).toBe(back.get('b')!.storage);
    expect(back.get('b')).toMatchObject({ shape: [3, 2], strides: [1, 3], offset: 0, requiresGrad: true });
  });

  it('batches more than 1000 items as Python does', () => {
    const big = Array.from({ length: 2500 }, (_, i) => i);
    expect(unpickle(pickle(big))).toEqual(big);
    const m = new Map<PyValue, PyValue>(big.map((i) => [i, String(i)]));
    expect(unpickle(pickle(m))).toEqual(m);
  });
});

describe('the restricted unpickler refuses', () => {
  const refused = (bytes: Uint8Array, cls: typeof SerializationError, re: RegExp) => {
    let err: unknown;
    try {
      unpickle(bytes);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(cls);
    expect(String(err)).toMatch(re);
    return err;
  };

  it("globals outside torch's weights_only allowlist, naming them", () => {
    const e = refused(pk('cos\nsystem\n', 'X', [4, 0, 0, 0], 'echo', [0x85, 0x52, 0x2e]), UnpicklingError, /global os\.system/);
    expect((e as UnpicklingError).global).toBe('os.system');
    refused(pk([0x8c, 8], 'builtins', [0x8c, 4], 'eval', [0x93, 0x2e]), UnpicklingError, /builtins\.eval/);
    refused(pk('ctorch\nload\n.'), UnpicklingError, /torch\.load/);
    refused(pk('c__builtin__\ngetattr\n.'), UnpicklingError, /getattr/);
  });

  it('calls of anything but an allowlisted global, and opcodes of arbitrary objects', () => {
    refused(pk('X', [1, 0, 0, 0], 'a', [0x29, 0x52, 0x2e]), UnpicklingError, /REDUCE of a str/);
    refused(pk('(cos\nsystem\n'), UnpicklingError, /os\.system/);
    refused(pk('(X', [1, 0, 0, 0], 'a', 'io\nx\n'), UnpicklingError, /INST/);
    refused(pk('(o.'), UnpicklingError, /OBJ/);
    refused(pk([0x82, 1, 0x2e]), UnpicklingError, /EXT1/);
    refused(pk('}K', [1], 'a.'), UnpicklingError, /APPEND on a dict/);
    refused(pk(']}b.'), UnpicklingError, /BUILD of a list/);
    refused(pk('X', [3, 0, 0, 0], 'abcQ.'), UnpicklingError, /persistent id other than a torch storage/);
  });

  it('allowlisted tensor kinds dl does not have, with a SerializationError', () => {
    refused(pk('ctorch._utils\n_rebuild_sparse_tensor\n)R.'), SerializationError, /sparse tensors/);
    refused(
      pk('(X', [7, 0, 0, 0], 'storagectorch\nComplexFloatStorage\nX', [1, 0, 0, 0], '0X', [3, 0, 0, 0], 'cpuK', [1], 'tQ.'),
      SerializationError,
      /ComplexFloatStorage/,
    );
  });

  it('malformed pickles: underflow, bad memo, truncation, bad protocol, huge lengths', () => {
    refused(pk('.'), SerializationError, /stack underflow/);
    refused(pk('h', [3], '.'), SerializationError, /memo entry 3/);
    refused(pk('X', [255, 255, 255, 255], 'ab'), SerializationError, /truncated/);
    refused(new Uint8Array([0x80, 9, 0x2e]), SerializationError, /protocol 9/);
    refused(pk([0x8b, 0xff, 0xff, 0xff, 0x7f]), SerializationError, /integer of 2147483647 bytes/);
    refused(pk([0x8d, 255, 255, 255, 255, 255, 255, 255, 255]), SerializationError, /truncated/);
    refused(pk('K', [1], 'K', [2], '.'), SerializationError, /left on the stack/);
    refused(pk('(K', [1], 'K', [2], 'K', [3], 'd.'), SerializationError, /key, value pairs/);
    refused(pk(''), SerializationError, /truncated/);
  });

  it('storage ids must be consistent', () => {
    const pid = (n: number) =>
      ['(X', [7, 0, 0, 0], 'storagectorch\nFloatStorage\nX', [1, 0, 0, 0], '0X', [3, 0, 0, 0], 'cpuK', [n], 'tQ'] as (string | number[])[];
    refused(pk(...pid(2), ...pid(3), [0x86, 0x2e]), SerializationError, /named twice/);
  });
});
