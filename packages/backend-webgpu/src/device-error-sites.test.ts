import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import { DeviceErrors } from './device-errors.js';

// Bookkeeping only: no GPU needed (the error words are decoded on the host).
const fakeDevice = { createBuffer: () => ({}) } as unknown as GPUDevice;
const check = (key: string, op: string) => ({
  lo: 0,
  hi: 1,
  key,
  error: (v: number, i: number) => new dl.IndexError(`${op}: ${v} at ${i}`, { op }),
});

describe('device value-check sites past the interning limit', () => {
  it('share a generic site instead of taking the newest check error', () => {
    const errors = new DeviceErrors(fakeDevice);
    let last = 0;
    for (let i = 0; i < 5000; i++) last = errors.checkSite(check(`k${i}`, `op${i}`), 'i32');
    const early = errors.checkSite(check('k4500', 'op4500'), 'i32'); // a key past the limit, seen again
    expect(early).toBe(last);
    errors.checkSite(check('k-late', 'late'), 'i32'); // must not rename the shared site
    const err = errors.decode(new Uint32Array([last, 7, 3, 0]))!;
    expect(err).toBeInstanceOf(dl.ArgumentError);
    expect(err.message).toMatch(/element 3 holds 7/);
    expect(err.message).not.toMatch(/late|op4500/);
    // a float-valued check past the limit decodes its word as float32
    const f = errors.checkSite(check('f-late', 'f'), 'f32');
    const words = new Uint32Array([f, 0, 5, 0]);
    new Float32Array(words.buffer, 4, 1)[0] = 1.5;
    expect(errors.decode(words)!.message).toMatch(/holds 1.5/);
    // a key interned before the limit keeps its own error
    const first = errors.checkSite(check('k0', 'op0'), 'i32');
    expect(errors.decode(new Uint32Array([first, 2, 1, 0]))!.message).toBe('op0: 2 at 1');
  });
});
