import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as dl from '../everything.js';
import { toyBackend } from '../testing/toy-backend.js';
import { DTYPES } from '../dtype.js';

let dir = '';
beforeAll(() => {
  dl.registerBackend(toyBackend('cpu', DTYPES));
  dl.registerBackend(toyBackend('gpu', DTYPES, { asyncOnly: true }));
  dl.registerBackend(toyBackend('f32only', ['float32', 'int32', 'uint8', 'bool']));
  dir = mkdtempSync(join(tmpdir(), 'dl-save-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const f32 = (xs: number[], shape?: number[]) => dl.fromArray(new Float32Array(xs), shape);
const errorOf = async (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('dl.save / dl.load', () => {
  it('without a path: bytes in and out, in both formats', async () => {
    for (const format of ['pt', 'safetensors'] as const) {
      const bytes = await dl.save({ w: f32([1, 2, 3, 4], [2, 2]) }, { format });
      expect(bytes).toBeInstanceOf(Uint8Array);
      const sd = (await dl.load(bytes)) as Record<string, dl.Tensor>;
      expect(sd.w!.toArraySync()).toEqual([
        [1, 2],
        [3, 4],
      ]);
      const sd2 = (await dl.load(bytes.slice().buffer)) as Record<string, dl.Tensor>;
      expect(sd2.w!.shape).toEqual([2, 2]);
    }
  });

  it('a lone tensor round-trips as a tensor in both formats', async () => {
    for (const format of ['pt', 'safetensors'] as const) {
      const t = (await dl.load(await dl.save(f32([5, 6]), { format }))) as dl.Tensor;
      expect(t).toBeInstanceOf(dl.Tensor);
      expect([...t.dataSync()]).toEqual([5, 6]);
    }
  });

  it('with a path: the format follows the extension, the file is replaced atomically, no temp left', async () => {
    const pt = join(dir, 'm.pt');
    const st = join(dir, 'm.safetensors');
    await dl.save({ w: f32([1]) }, pt);
    await dl.save({ w: f32([1]) }, st);
    expect(readFileSync(pt).subarray(0, 2).toString()).toBe('PK');
    expect(readFileSync(st)[8]).toBe(0x7b);
    await dl.save({ w: f32([2]) }, pt);
    expect([...((await dl.load(pt)) as Record<string, dl.Tensor>).w!.dataSync()]).toEqual([2]);
    expect(readdirSync(dir).sort()).toEqual(['m.pt', 'm.safetensors']);
    await dl.save({ w: f32([3]) }, join(dir, 'x.bin'), { format: 'safetensors' });
    expect(readFileSync(join(dir, 'x.bin'))[8]).toBe(0x7b);
  });

  it('a failed write leaves the old file and no temp file, with a typed error', async () => {
    const e = await errorOf(dl.save({ w: f32([1]) }, join(dir, 'no-such-folder', 'm.pt')));
    expect(e).toBeInstanceOf(dl.SerializationError);
    expect(String(e)).toMatch(/cannot write .*ENOENT[\s\S]*create the folder/);
  });

  it('loads onto another device, and saves from a device that reads only asynchronously', async () => {
    const sd = (await dl.load(await dl.save({ w: f32([1, 2]) }), { device: 'gpu' })) as Record<string, dl.Tensor>;
    expect(sd.w!.device).toBe('gpu');
    const back = (await dl.load(await dl.save(sd))) as Record<string, dl.Tensor>;
    expect(back.w!.device).toBe('cpu');
    expect([...back.w!.dataSync()]).toEqual([1, 2]);
    expect(await errorOf(dl.load(await dl.save(sd), { device: 'tpu' }))).toBeInstanceOf(dl.DeviceError);
    const e = await errorOf(dl.load(await dl.save({ d: dl.fromArray(new Float64Array([1])) }), { device: 'f32only' }));
    expect(e).toBeInstanceOf(dl.SerializationError);
    expect(String(e)).toMatch(/tensor d is float64, which device 'f32only' does not have[\s\S]*hint: .*float\(\)/);
  });

  it('numbers: integral → Python int, others → float, pyFloat forces a float; int keys; Maps keep string keys', async () => {
    const obj = { step: 3, lr: 0.5, one: dl.pyFloat(1), nan: NaN, big: 2n ** 80n, state: { 0: 'a', '01': 'b' }, m: new Map([['0', 1]]) };
    const back = (await dl.load(await dl.save(obj))) as Record<string, unknown>;
    expect(back).toEqual({ step: 3, lr: 0.5, one: 1, nan: NaN, big: 2n ** 80n, state: { 0: 'a', '01': 'b' }, m: { 0: 1 } });
  });

  it('records with a __proto__ key load as data, never as a prototype', async () => {
    const obj = JSON.parse('{"__proto__": {"polluted": 1}, "ok": 2}') as Record<string, unknown>;
    for (const format of ['pt', 'safetensors'] as const) {
      const back = (await dl.load(await dl.save(obj, { format }))) as Record<string, unknown>;
      expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
      expect(Object.keys(back)).toEqual(['__proto__', 'ok']);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    }
  });

  it('safetensors keeps nested structure, special numbers, bytes, Maps, Sets and $-keys in metadata', async () => {
    const t = f32([1, 2]);
    const obj = {
      a: { b: t, again: t },
      n: [1, -0, Infinity, NaN],
      raw: new Uint8Array([1, 2]),
      m: new Map([[1, 'x']]),
      s: new Set(['y']),
      $tensor: 'not a tensor',
      big: 7n,
    };
    const back = (await dl.load(await dl.save(obj, { format: 'safetensors' }))) as Record<string, unknown>;
    const a = back.a as Record<string, dl.Tensor>;
    expect(a.b).toBe(a.again);
    expect([...a.b!.dataSync()]).toEqual([1, 2]);
    expect(back.n).toEqual([1, -0, Infinity, NaN]);
    expect(back.raw).toEqual(new Uint8Array([1, 2]));
    expect(back.m).toEqual(new Map([[1, 'x']]));
    expect(back.s).toEqual(new Set(['y']));
    expect(back.$tensor).toBe('not a tensor');
    expect(back.big).toBe(7n);
  });

  it('safetensors: user metadata, int64 option, and cycles refused', async () => {
    const bytes = await dl.save(
      { w: dl.fromArray(new Int32Array([1, -1])) },
      { format: 'safetensors', int64: true, metadata: { format: 'pt' } },
    );
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { dtype?: string }>;
    expect(header.w!.dtype).toBe('I64');
    expect(header.__metadata__).toEqual({ format: 'pt' });
    expect([...((await dl.load(bytes)) as Record<string, dl.Tensor>).w!.dataSync()]).toEqual([1, -1]);
    const cyc: unknown[] = [];
    cyc.push(cyc);
    expect(await errorOf(dl.save({ cyc } as never, { format: 'safetensors' }))).toBeInstanceOf(dl.SerializationError);
    const back = (await dl.load(await dl.save({ cyc } as never))) as { cyc: unknown[] };
    expect(back.cyc[0]).toBe(back.cyc);
  });

  it('safetensors reader: I64 past int32 names the tensor; unknown dtypes and bad offsets are typed errors', async () => {
    const file = (header: object, data: Uint8Array) => {
      const h = new TextEncoder().encode(JSON.stringify(header));
      const out = new Uint8Array(8 + h.length + data.length);
      new DataView(out.buffer).setUint32(0, h.length, true);
      out.set(h, 8);
      out.set(data, 8 + h.length);
      return out;
    };
    const i64 = new Uint8Array(new BigInt64Array([1n, 2n ** 40n]).buffer);
    const e = await errorOf(dl.load(file({ counts: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, i64)));
    expect(e).toBeInstanceOf(dl.SerializationError);
    expect((e as dl.SerializationError).key).toBe('counts');
    expect(String(e)).toMatch(/int64 value 1099511627776/);
    expect(String(await errorOf(dl.load(file({ x: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)))))).toMatch(
      /dtype "F8_E4M3"/,
    );
    expect(
      String(
        await errorOf(
          dl.load(
            file(
              { x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, y: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } },
              new Uint8Array(8),
            ),
          ),
        ),
      ),
    ).toMatch(/needs 4 bytes|overlaps/);
    expect(String(await errorOf(dl.load(file({ x: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(8)))))).toMatch(
      /ends at byte 4/,
    );
    expect(String(await errorOf(dl.load(file({ x: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8)))))).toMatch(
      /gap before/,
    );
    expect(
      await errorOf(dl.load(file({ x: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)), { maxHeaderBytes: 10 })),
    ).toBeInstanceOf(dl.LimitError);
  });

  it('caps what a file may allocate, with a hint naming the option', async () => {
    const bytes = await dl.save({ w: dl.zeros(1000) }, { format: 'pt' });
    const e = await errorOf(dl.load(bytes, { maxBytes: 1000 }));
    expect(e).toBeInstanceOf(dl.LimitError);
    expect((e as dl.LimitError).limit).toBe('maxBytes');
    expect(String(e)).toMatch(/hint: .*maxBytes/);
    const path = join(dir, 'big.pt');
    writeFileSync(path, bytes);
    expect(await errorOf(dl.load(path, { maxBytes: 100 }))).toBeInstanceOf(dl.LimitError);
  });

  it('typed errors for what cannot be saved or read', async () => {
    class Net {
      stateDict() {
        return {};
      }
    }
    expect(String(await errorOf(dl.save({ net: new Net() } as never)))).toMatch(/cannot save a Net at net[\s\S]*stateDict/);
    expect(String(await errorOf(dl.save({ a: new Float32Array(2) } as never)))).toMatch(/Float32Array[\s\S]*fromArray/);
    const t = f32([1]);
    t.dispose();
    expect(await errorOf(dl.save({ t }))).toBeInstanceOf(dl.StateError);
    expect(String(await errorOf(dl.load(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]))))).toMatch(/unknown file format/);
    expect(String(await errorOf(dl.load(new Uint8Array([0x80, 2, 0x4e, 0x2e]))))).toMatch(/bare Python pickle/);
    expect(String(await errorOf(dl.load(join(dir, 'missing.pt'))))).toMatch(/cannot read .*ENOENT/);
    expect(await errorOf(dl.save({}, { format: 'onnx' as never }))).toBeInstanceOf(dl.ArgumentError);
  });
});
