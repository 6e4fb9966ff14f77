import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import '@dl/autograd';
import { nn } from './index.js';

// Note [Step rows from one split] (layers/rnn.ts): a recurrent layer's backward costs O(T), the
// step rows' gradients joined by one multi-output node, not a full-size zero gradient per step.
describe('recurrent backward cost', () => {
  const backwardBytes = (mode: 'LSTM' | 'GRU' | 'RNN', T: number): number => {
    dl.manualSeed(0);
    const x = dl.randn(T, 2, 4);
    const [out] = mode === 'LSTM' ? new nn.LSTM(4, 8)(x) : mode === 'GRU' ? new nn.GRU(4, 8)(x) : new nn.RNN(4, 8)(x);
    const loss = out.sum();
    return dl.profile(() => loss.backward()).rows.reduce((s, r) => s + r.selfBytes, 0);
  };

  it.each(['LSTM', 'GRU', 'RNN'] as const)('%s: bytes allocated in backward grow linearly from T = 50 to T = 200', (mode) => {
    const ratio = backwardBytes(mode, 200) / backwardBytes(mode, 50);
    expect(ratio).toBeGreaterThan(3.5);
    expect(ratio).toBeLessThan(4.4); // linear: 4; the √T blocks of slices measured 6.5; a slice per step: 16
  });
});
