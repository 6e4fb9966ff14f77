// pytorch.org/tutorials, Learn the Basics: "Save and Load the Model" (torch 1.13), ported line
// by line with LeNet-5 instead of vgg16 (no download here, and fast; the pattern is the same).
// Deliberate difference: torch.save(model) pickles the whole module; dl.save refuses a Module
// with a typed error whose hint is to save model.stateDict() (JS cannot re-import a class from a file).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { noGrad } from '@dl/autograd';
import { models } from '@dl/vision';

describe('tutorial: Save and Load the Model', () => {
  it('saving and loading model weights: stateDict, dl.save, dl.load, loadStateDict, eval', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dl-tutorial-'));
    const path = join(dir, 'model_weights.pth');
    let model = models.lenet5();
    await dl.save(model.stateDict(), path); // torch.save(model.state_dict(), 'model_weights.pth')

    const x = dl.randn(1, 1, 28, 28);
    model.eval();
    const expected = noGrad(() => model(x));

    model = models.lenet5(); // we do not specify weights, i.e. create untrained model
    const fresh = noGrad(() => model.eval()(x));
    expect(await fresh.toArray()).not.toEqual(await expected.toArray());
    const result = model.loadStateDict(await dl.load(path)); // model.load_state_dict(torch.load(...))
    expect(result).toEqual({ missingKeys: [], unexpectedKeys: [] }); // torch: <All keys matched successfully>
    model.eval();
    expect(model.training).toBe(false);
    expect(await noGrad(() => model(x)).toArray()).toEqual(await expected.toArray());
    expect(Object.keys(model.stateDict())).toContain('conv1.weight');
  });

  it('saving the whole model is refused with a hint to save its stateDict', async () => {
    const model = models.lenet5();
    await expect(dl.save(model as never, join(mkdtempSync(join(tmpdir(), 'dl-tutorial-')), 'model.pth'))).rejects.toThrow(/stateDict/);
  });
});
