// PyTorch's keyword arguments of layer constructors, as a port writes them: accepted where dl
// takes an options object, a typed error naming the argument where dl takes them positionally.
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { nn } from './index.js';

describe('layer constructor keywords', () => {
  it('nn.Flatten(start_dim=0) as new nn.Flatten({ startDim: 0 }), positional unchanged', () => {
    const x = dl.ones(2, 3, 4);
    expect(new nn.Flatten()(x).shape).toEqual([2, 12]);
    expect(new nn.Flatten(0)(x).shape).toEqual([24]);
    expect(new nn.Flatten({ startDim: 0 })(x).shape).toEqual([24]);
    expect(new nn.Flatten({ endDim: 1 })(x).shape).toEqual([2, 3, 4]);
    expect(new nn.Flatten({ startDim: 0, endDim: 1 })(x).shape).toEqual([6, 4]);
    expect(String(new nn.Flatten({ startDim: 0 }))).toBe('Flatten(start_dim=0, end_dim=-1)');
    expect(() => new nn.Flatten(1.5)).toThrow(/Flatten: start_dim must be an integer, got 1.5/);
    expect(() => new nn.Flatten('1' as never)).toThrow(dl.ArgumentError);
  });

  it('nn.Linear(in_features=…, out_features=…) ported as an object: ArgumentError naming in_features', () => {
    expect(() => new nn.Linear({ inFeatures: 784, outFeatures: 20 } as never, undefined as never)).toThrow(
      /Linear: in_features must be a non-negative integer, got an object\n {2}hint: sizes are positional/,
    );
    expect(() => new nn.Linear(784, -1)).toThrow(/out_features must be a non-negative integer, got -1/);
    expect(new nn.Linear(784, 0).weight.shape).toEqual([0, 784]); // torch allows 0 features
  });
});
