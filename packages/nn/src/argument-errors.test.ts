import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { nn } from './index.js';

describe('constructor arguments PyTorch refuses are typed errors', () => {
  it('nn.Parameter of a non-tensor names what it got', () => {
    expect(() => nn.Parameter(5 as unknown as dl.Tensor)).toThrow(dl.ArgumentError);
    expect(() => nn.Parameter([1, 2] as unknown as dl.Tensor)).toThrow(/must be a Tensor, got an array/);
    expect(nn.Parameter(dl.ones(2)).requiresGrad).toBe(true);
  });
  it('Dropout with p outside [0, 1] raises at construction, as torch', () => {
    // torch: ValueError: dropout probability has to be between 0 and 1, but got 1.5
    expect(() => new nn.Dropout(1.5)).toThrow(/dropout probability has to be between 0 and 1, but got 1.5/);
    expect(() => new nn.Dropout(-0.1)).toThrow(dl.ArgumentError);
    expect(() => new nn.Dropout(NaN)).toThrow(dl.ArgumentError);
    expect(String(new nn.Dropout(1))).toBe('Dropout(p=1.0, inplace=False)');
  });
});
