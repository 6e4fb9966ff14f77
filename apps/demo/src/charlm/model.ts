/**
 * A character-level GPT, written as PyTorch users write nanoGPT: token and position embeddings,
 * N pre-norm blocks of causal self-attention and an MLP, a final LayerNorm and a language-model
 * head whose weight is the token embedding's (weight tying).
 *
 * Parts are named as nanoGPT names them (`transformer.h.0.attn.c_attn.weight`, `lm_head.weight`),
 * so state dicts interchange with the PyTorch reference (tools/charlm/reference.py). `ln_1` and
 * `ln_2` keep their underscores: camelCase `ln1` would be saved as `ln1`, not nanoGPT's `ln_1`.
 */
import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import { noGrad } from '@dl/autograd';
import { nn, F, init } from '@dl/nn';

/** The model's shape. */
export interface GPTConfig {
  vocabSize: number;
  blockSize: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  dropout: number;
}

/**
 * Multi-head causal self-attention with one fused q/k/v projection, through
 * `F.scaledDotProductAttention(…, { isCausal: true })` as nanoGPT does on torch 2 (the PyTorch
 * reference, on torch 1.13, writes out the same softmax(q kᵀ/√d + causal mask) v).
 */
export class CausalSelfAttention extends nn.Module {
  static {
    Object.defineProperty(this, 'name', { value: 'CausalSelfAttention' });
  }
  cAttn: nn.Linear;
  cProj: nn.Linear;
  residDropout: nn.Dropout;
  constructor(readonly cfg: GPTConfig) {
    super();
    if (cfg.nEmbd % cfg.nHead !== 0) throw new Error(`nEmbd ${cfg.nEmbd} is not a multiple of nHead ${cfg.nHead}`);
    this.cAttn = new nn.Linear(cfg.nEmbd, 3 * cfg.nEmbd);
    this.cProj = new nn.Linear(cfg.nEmbd, cfg.nEmbd);
    this.residDropout = new nn.Dropout(cfg.dropout);
  }
  forward(x: Tensor): Tensor {
    const [B, T, C] = x.shape as [number, number, number];
    const nh = this.cfg.nHead;
    const [q, k, v] = this.cAttn(x).split(C, 2) as [Tensor, Tensor, Tensor];
    const heads = (t: Tensor) => t.view(B, T, nh, C / nh).transpose(1, 2); // (B, nh, T, hs)
    const y = F.scaledDotProductAttention(heads(q), heads(k), heads(v), { isCausal: true, dropoutP: this.training ? this.cfg.dropout : 0 });
    return this.residDropout(this.cProj(y.transpose(1, 2).contiguous().view(B, T, C)));
  }
}

/** The block's feed-forward part: Linear → GELU → Linear. */
export class MLP extends nn.Module {
  static {
    Object.defineProperty(this, 'name', { value: 'MLP' });
  }
  cFc: nn.Linear;
  gelu = new nn.GELU();
  cProj: nn.Linear;
  dropout: nn.Dropout;
  constructor(cfg: GPTConfig) {
    super();
    this.cFc = new nn.Linear(cfg.nEmbd, 4 * cfg.nEmbd);
    this.cProj = new nn.Linear(4 * cfg.nEmbd, cfg.nEmbd);
    this.dropout = new nn.Dropout(cfg.dropout);
  }
  forward(x: Tensor): Tensor {
    return this.dropout(this.cProj(this.gelu(this.cFc(x))));
  }
}

/** A pre-norm Transformer block: `x + attn(ln_1(x))`, then `x + mlp(ln_2(x))`. */
export class Block extends nn.Module {
  static {
    Object.defineProperty(this, 'name', { value: 'Block' });
  }
  ln_1: nn.LayerNorm;
  attn: CausalSelfAttention;
  ln_2: nn.LayerNorm;
  mlp: MLP;
  constructor(cfg: GPTConfig) {
    super();
    this.ln_1 = new nn.LayerNorm(cfg.nEmbd);
    this.attn = new CausalSelfAttention(cfg);
    this.ln_2 = new nn.LayerNorm(cfg.nEmbd);
    this.mlp = new MLP(cfg);
  }
  forward(x: Tensor): Tensor {
    x = x.add(this.attn(this.ln_1(x)));
    return x.add(this.mlp(this.ln_2(x)));
  }
}

/**
 * The GPT. `model(idx)` gives logits `(B, T, vocabSize)`; `model(idx, targets)` also the mean
 * cross-entropy loss.
 */
export class GPT extends nn.Module {
  static {
    Object.defineProperty(this, 'name', { value: 'GPT' });
  }
  transformer: nn.ModuleDict<{ wte: nn.Embedding; wpe: nn.Embedding; drop: nn.Dropout; h: nn.ModuleList; ln_f: nn.LayerNorm }>;
  lmHead: nn.Linear;
  constructor(readonly cfg: GPTConfig) {
    super();
    this.transformer = new nn.ModuleDict({
      wte: new nn.Embedding(cfg.vocabSize, cfg.nEmbd),
      wpe: new nn.Embedding(cfg.blockSize, cfg.nEmbd),
      drop: new nn.Dropout(cfg.dropout),
      h: new nn.ModuleList(Array.from({ length: cfg.nLayer }, () => new Block(cfg))),
      ln_f: new nn.LayerNorm(cfg.nEmbd),
    });
    this.lmHead = new nn.Linear(cfg.nEmbd, cfg.vocabSize, { bias: false });
    this.lmHead.weight = this.transformer.wte.weight; // weight tying
    // nanoGPT's init: N(0, 0.02) for every Linear and Embedding, zero biases, and the residual
    // projections scaled by 1/sqrt(2 * nLayer) (GPT-2).
    for (const m of this.modules()) {
      if (m instanceof nn.Linear) {
        init.normal_(m.weight, 0, 0.02);
        if (m.bias) init.zeros_(m.bias);
      } else if (m instanceof nn.Embedding) {
        init.normal_(m.weight, 0, 0.02);
      }
    }
    for (const [name, p] of this.namedParameters()) {
      if (name.endsWith('c_proj.weight')) init.normal_(p, 0, 0.02 / Math.sqrt(2 * cfg.nLayer));
    }
  }

  forward(idx: Tensor): Tensor;
  forward(idx: Tensor, targets: Tensor): [Tensor, Tensor];
  forward(idx: Tensor, targets?: Tensor): Tensor | [Tensor, Tensor] {
    const [, T] = idx.shape as [number, number];
    if (T > this.cfg.blockSize) throw new Error(`GPT: sequence of length ${T} is longer than the block size ${this.cfg.blockSize}`);
    const { wte, wpe, drop, h, ln_f } = this.transformer;
    const pos = dl.arange(T, { device: idx.device });
    let x = drop(wte(idx).add(wpe(pos)));
    for (const block of h) x = block(x);
    const logits = this.lmHead(ln_f(x));
    if (targets === undefined) return logits;
    const V = this.cfg.vocabSize;
    return [logits, F.crossEntropy(logits.view(-1, V), targets.view(-1))];
  }

  /** Parameter groups for AdamW: weight decay on matrices and embeddings, none on biases and LayerNorm. */
  paramGroups(weightDecay: number): { params: Tensor[]; weightDecay: number }[] {
    const ps = [...this.parameters()];
    return [
      { params: ps.filter((p) => p.dim() >= 2), weightDecay },
      { params: ps.filter((p) => p.dim() < 2), weightDecay: 0 },
    ];
  }

  /**
   * Continue `idx` (B, T) by `maxNewTokens` tokens, sampling from the softmax at `temperature`
   * (restricted to the `topK` likeliest when given).
   */
  generate(idx: Tensor, maxNewTokens: number, opts: { temperature?: number; topK?: number; generator?: dl.Generator } = {}): Tensor {
    return noGrad(() => {
      for (let i = 0; i < maxNewTokens; i++) {
        const T = idx.shape[1]!;
        const cond = T <= this.cfg.blockSize ? idx : idx.at(':', `${T - this.cfg.blockSize}:`);
        let logits = this.forward(cond)
          .at(':', -1)
          .div(opts.temperature ?? 1);
        if (opts.topK !== undefined) {
          const kth = logits.topk(Math.min(opts.topK, logits.shape[1]!), -1).values.at(':', '-1:');
          logits = logits.maskedFill(logits.lt(kth), -Infinity);
        }
        const next = dl.multinomial(F.softmax(logits, -1), 1, { generator: opts.generator });
        idx = dl.cat([idx, next], 1);
      }
      return idx;
    });
  }
}
