/**
 * A whole model's state dict between PyTorch and dl, both formats, both directions
 * (tools/fixtures/model_io_fixtures.py writes the torch-* fixtures and checks the dl-* ones).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import '@dl/backend-cpu';
import { noGrad } from '@dl/autograd';
import { nn, F } from './index.js';
import { fromFixture, mismatch, type FT } from './testing/fixture.js';

const fx = (name: string) => new URL(`./fixtures/model-io/${name}`, import.meta.url);
const json = <T>(name: string) => JSON.parse(readFileSync(fx(name), 'utf8')) as T;
const UPDATE = process.env.DL_UPDATE_FIXTURES === '1';

/** As SmallNet in the fixture script; `tokenEmbed` is reported as PyTorch's `token_embed`. */
class SmallNet extends nn.Module {
  conv = new nn.Conv2d(1, 4, 3, { padding: 1 });
  bn = new nn.BatchNorm2d(4);
  tokenEmbed = new nn.Embedding(10, 4);
  fc = new nn.Linear(4 * 4 * 4 + 4, 3);
  forward(img: Tensor, tokens: Tensor): Tensor {
    const h = F.relu(this.bn.forward(this.conv.forward(img))).flatten(1);
    const e = this.tokenEmbed.forward(tokens).mean(1);
    return this.fc.forward(dl.cat([h, e], 1));
  }
}

interface SmallFixture {
  keys: string[];
  img: FT;
  tokens: FT;
  y: FT;
}
const small = json<SmallFixture>('torch-small.json');
const img = () => fromFixture(small.img);
const tokens = () => fromFixture({ ...small.tokens, dtype: 'int32' });

function evalOutput(model: SmallNet): Tensor {
  model.eval();
  return model.forward(img(), tokens());
}

describe('a PyTorch state dict (Conv2d, BatchNorm2d, Linear, Embedding) loads into dl', () => {
  for (const file of ['torch-small.pt', 'torch-small.safetensors']) {
    it(`${file}: same keys, and PyTorch's eval outputs (1e-5)`, async () => {
      const sd = await dl.load<Record<string, Tensor>>(fx(file).pathname);
      const model = new SmallNet();
      expect(Object.keys(model.stateDict())).toEqual(small.keys);
      expect(model.loadStateDict(sd)).toEqual({ missingKeys: [], unexpectedKeys: [] });
      expect(model.bn.numBatchesTracked!.itemSync()).toBe(3);
      expect(mismatch(evalOutput(model), small.y, 1e-5, 0)).toBeNull();
    });
  }
});

/** dl's own SmallNet, trained 3 steps so BatchNorm's running stats moved. */
function trainedDlModel(): SmallNet {
  dl.manualSeed(7);
  const model = new SmallNet();
  const g = new dl.Generator(1);
  model.train();
  for (let step = 0; step < 3; step++) {
    const x = dl.randn([4, 1, 4, 4], { generator: g }).mul(2).add(0.5);
    const t = dl.randint(0, 10, [4, 3], { generator: g });
    const loss = model.forward(x, t).pow(2).mean();
    model.zeroGrad();
    loss.backward();
    noGrad(() => {
      for (const p of model.parameters()) p.sub_(p.grad!.mul(0.1));
    });
  }
  return model;
}

describe('a dl state dict loads into PyTorch (load_state_dict(strict=True))', () => {
  const readBack = json<Record<string, { keys: string[]; num_batches_tracked: number; y: FT }>>('torch-read-back.json');
  for (const file of ['dl-small.pt', 'dl-small.safetensors']) {
    it(`${file}: PyTorch's outputs from dl's weights equal dl's (1e-5)`, async () => {
      if (UPDATE) {
        const trained = trainedDlModel();
        writeFileSync(fx(file), await dl.save(trained.stateDict(), { format: file.endsWith('.pt') ? 'pt' : 'safetensors' }));
      }
      const model = new SmallNet();
      model.loadStateDict(await dl.load<Record<string, Tensor>>(readFileSync(fx(file))));
      const torchSaw = readBack[file]!;
      expect(torchSaw.keys).toEqual(Object.keys(model.stateDict()));
      expect(torchSaw.num_batches_tracked).toBe(3);
      expect(mismatch(evalOutput(model), torchSaw.y, 1e-5, 0)).toBeNull();
      // dl saving the loaded model writes the same file again
      const again = await dl.save(model.stateDict(), { format: file.endsWith('.pt') ? 'pt' : 'safetensors' });
      expect(Buffer.from(again).equals(readFileSync(fx(file)))).toBe(true);
    });
  }
});
