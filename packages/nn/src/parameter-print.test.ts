import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { nn } from './index.js';

describe('Parameter printing (as torch.nn.Parameter)', () => {
  it("prints 'Parameter containing:' then the tensor, in String() and console.log", () => {
    const p = nn.Parameter(dl.ones([2]));
    expect(String(p)).toBe('Parameter containing:\ntensor([1., 1.], requires_grad=True)');
    expect(inspect(p)).toBe(String(p));
    const frozen = nn.Parameter(dl.zeros([1]), false);
    expect(String(frozen)).toBe('Parameter containing:\ntensor([0.])');
  });

  it('a layer weight prints as a Parameter; tensors computed from it print as tensors', () => {
    const lin = new nn.Linear(2, 1);
    expect(String(lin.weight)).toMatch(/^Parameter containing:\ntensor\(\[\[.*\]\], requires_grad=True\)$/);
    expect(String(lin.weight.mul(2))).toMatch(/^tensor\(.*grad_fn=<MulBackward0>\)$/s);
    expect(String(lin.weight.detach())).not.toContain('Parameter');
  });
});
