import { describe, it } from 'vitest';
import '@dl/backend-cpu';
import { checkLayerCase, layerCases } from './testing/layer-case.js';

describe('layers match PyTorch 1.13 (forward, input and parameter gradients, repr)', () => {
  it.each(layerCases.map((c) => [c.name, c] as const))('%s', (_n, c) => checkLayerCase(c));
});
