import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import type { Pool2dParams } from '@dl/tensor/backend';
import '../index.js';

const params: Pool2dParams = {
  kernelSize: [2, 2],
  stride: [2, 2],
  padding: [0, 0],
  dilation: [1, 1],
  ceilMode: false,
  countIncludePad: true,
};

// torch's cpu max_pool2d takes `val > max || isnan(val)`: ties keep the first maximum, and the
// last NaN of a window gives the index (found by the differential test: F.maxPool2dWithIndices#13).
describe('cpu maxPool2d kernel', () => {
  it('a window with NaNs gives NaN and the index of its last NaN', () => {
    const r = dl.maxPool2d(dl.tensor([1, NaN, NaN, 0]).reshape(1, 1, 2, 2), params);
    expect(Array.from(r.values.dataSync())).toEqual([NaN]);
    expect(Array.from(r.indices.dataSync())).toEqual([2]);
  });

  it('ties keep the first maximum', () => {
    const r = dl.maxPool2d(dl.tensor([1, 3, 3, 0]).reshape(1, 1, 2, 2), params);
    expect(Array.from(r.indices.dataSync())).toEqual([1]);
  });
});
