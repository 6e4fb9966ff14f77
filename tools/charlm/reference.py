#!/usr/bin/python3
"""PyTorch reference of dl's character-level GPT (apps/demo/src/charlm): the same model
(nanoGPT's layout and init), the same AdamW groups, warm-up + cosine schedule and clipping, and
the same batches, so the two loss curves can be compared step by step.

The run starts from a checkpoint file that holds everything both sides need:
  {'config': {...}, 'model': state_dict, 'offsets': int64 [steps, batch]}
`offsets[s, b]` is where batch row b of step s starts in the training split (dl's and torch's
random streams differ, so the batches travel in the file rather than being redrawn).

  # dl writes the initial weights and batches, trains, and records its curve; torch replays:
  pnpm demo -- --task charlm --steps 200 --save-init /tmp/init.pt --losses-out /tmp/dl.json
  python3 tools/charlm/reference.py --init /tmp/init.pt --out /tmp/torch.json --compare /tmp/dl.json

  # the committed parity fixture (torch makes the weights; the dl test loads them):
  python3 tools/charlm/reference.py --make-fixture

Hyper-parameters (learning rate, weight decay, warm-up, clipping) live in the checkpoint's
`config`, so each side reads the same values.
"""
import argparse
import json
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHARLM = os.path.join(ROOT, 'apps', 'demo', 'src', 'charlm')
EXCERPT = os.path.join(CHARLM, 'kjv-excerpt.txt')
FIXTURES = os.path.join(CHARLM, '__fixtures__')


class CausalSelfAttention(nn.Module):
    # dl's model calls F.scaledDotProductAttention(q, k, v, { isCausal: true }) (torch 2's
    # scaled_dot_product_attention); torch 1.13 has no public one, so this is its formula written out.
    def __init__(self, c):
        super().__init__()
        self.n_head, self.n_embd = c['nHead'], c['nEmbd']
        self.c_attn = nn.Linear(c['nEmbd'], 3 * c['nEmbd'])
        self.c_proj = nn.Linear(c['nEmbd'], c['nEmbd'])
        self.attn_dropout = nn.Dropout(c['dropout'])
        self.resid_dropout = nn.Dropout(c['dropout'])
        T = c['blockSize']
        self.register_buffer('mask', torch.ones(T, T).triu(1).bool(), persistent=False)

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(C, dim=2)
        heads = lambda t: t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # noqa: E731
        att = (heads(q) @ heads(k).transpose(-2, -1)) * (1.0 / math.sqrt(C // self.n_head))
        att = att.masked_fill(self.mask[:T, :T], float('-inf'))
        att = self.attn_dropout(F.softmax(att, dim=-1))
        y = (att @ heads(v)).transpose(1, 2).contiguous().view(B, T, C)
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c_fc = nn.Linear(c['nEmbd'], 4 * c['nEmbd'])
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * c['nEmbd'], c['nEmbd'])
        self.dropout = nn.Dropout(c['dropout'])

    def forward(self, x):
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.ln_1 = nn.LayerNorm(c['nEmbd'])
        self.attn = CausalSelfAttention(c)
        self.ln_2 = nn.LayerNorm(c['nEmbd'])
        self.mlp = MLP(c)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(c['vocabSize'], c['nEmbd']),
            wpe=nn.Embedding(c['blockSize'], c['nEmbd']),
            drop=nn.Dropout(c['dropout']),
            h=nn.ModuleList([Block(c) for _ in range(c['nLayer'])]),
            ln_f=nn.LayerNorm(c['nEmbd']),
        ))
        self.lm_head = nn.Linear(c['nEmbd'], c['vocabSize'], bias=False)
        self.lm_head.weight = self.transformer.wte.weight  # weight tying
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0.0, 0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Embedding):
                nn.init.normal_(m.weight, 0.0, 0.02)
        for name, p in self.named_parameters():
            if name.endswith('c_proj.weight'):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * c['nLayer']))

    def forward(self, idx, targets=None):
        T = idx.size(1)
        pos = torch.arange(T)
        t = self.transformer
        x = t.drop(t.wte(idx) + t.wpe(pos))
        for block in t.h:
            x = block(x)
        logits = self.lm_head(t.ln_f(x))
        if targets is None:
            return logits
        return logits, F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


def load_text():
    with open(EXCERPT, encoding='utf-8') as f:
        return f.read()


def encode_split(text):
    """Vocabulary = the sorted distinct characters; 90% train / 10% val, as the dl side."""
    chars = sorted(set(text))
    stoi = {ch: i for i, ch in enumerate(chars)}
    data = torch.tensor([stoi[ch] for ch in text], dtype=torch.long)
    n = int(0.9 * len(data))
    return chars, data[:n], data[n:]


def lr_lambda(c):
    """Linear warm-up to 1, then cosine down to minLrRatio at `steps` (the LambdaLR factor)."""
    def f(step):
        if step < c['warmup']:
            return (step + 1) / c['warmup']
        progress = min(1.0, (step - c['warmup']) / max(1, c['steps'] - c['warmup']))
        return c['minLrRatio'] + 0.5 * (1 - c['minLrRatio']) * (1 + math.cos(math.pi * progress))
    return f


def train(ckpt, data):
    c = ckpt['config']
    model = GPT(c)
    model.load_state_dict(ckpt['model'])
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': c['weightDecay']}, {'params': no_decay, 'weight_decay': 0.0}],
                            lr=c['lr'], betas=(0.9, 0.95))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda(c))
    T = c['blockSize']
    ar = torch.arange(T)
    losses = []
    for s in range(ckpt['offsets'].size(0)):
        ix = ckpt['offsets'][s].long().unsqueeze(1) + ar
        x, y = data[ix], data[ix + 1]
        _, loss = model(x, y)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), c['gradClip'])
        opt.step()
        sched.step()
        losses.append(loss.item())
    return model, losses


FIXTURE_CONFIG = dict(blockSize=32, nLayer=2, nHead=4, nEmbd=32, dropout=0.0, batchSize=8, steps=200,
                      lr=3e-3, weightDecay=0.1, warmup=20, minLrRatio=0.1, gradClip=1.0)


def make_fixture():
    torch.manual_seed(0)
    text = load_text()
    chars, train_data, _ = encode_split(text)
    c = dict(FIXTURE_CONFIG, vocabSize=len(chars))
    model = GPT(c)
    offsets = torch.randint(0, len(train_data) - c['blockSize'] - 1, (c['steps'], c['batchSize']))
    ckpt = {'config': c, 'model': model.state_dict(), 'offsets': offsets}
    os.makedirs(FIXTURES, exist_ok=True)
    torch.save(ckpt, os.path.join(FIXTURES, 'parity-init.pt'))
    _, losses = train(ckpt, train_data)
    with open(os.path.join(FIXTURES, 'parity-losses.json'), 'w') as f:
        json.dump({'torch': torch.__version__, 'config': c, 'losses': [round(v, 7) for v in losses]}, f, indent=1)
        f.write('\n')
    print(f'loss {losses[0]:.4f} -> {losses[-1]:.4f} over {len(losses)} steps')


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--make-fixture', action='store_true')
    ap.add_argument('--init', help='checkpoint written by `pnpm demo -- --task charlm --save-init FILE`')
    ap.add_argument('--text', help='the corpus the dl run used (default: the embedded excerpt)')
    ap.add_argument('--out', help='write {"losses": [...]} here')
    ap.add_argument('--compare', help="dl's --losses-out file: print the largest step-wise difference")
    a = ap.parse_args()
    torch.set_num_threads(1)
    if a.make_fixture:
        make_fixture()
        return
    if not a.init:
        ap.error('give --init FILE or --make-fixture')
    text = open(a.text, encoding='utf-8').read() if a.text else load_text()
    _, train_data, _ = encode_split(text)
    ckpt = torch.load(a.init)
    _, losses = train(ckpt, train_data)
    print(f'torch: loss {losses[0]:.4f} -> {losses[-1]:.4f} over {len(losses)} steps')
    if a.out:
        with open(a.out, 'w') as f:
            json.dump({'losses': losses}, f)
    if a.compare:
        dl = json.load(open(a.compare))['losses']
        n = min(len(dl), len(losses))
        diffs = [abs(dl[i] - losses[i]) for i in range(n)]
        worst = max(range(n), key=lambda i: diffs[i])
        print(f'dl vs torch over {n} steps: max |diff| {diffs[worst]:.2e} at step {worst}, mean {sum(diffs) / n:.2e}')
        sys.exit(0 if diffs[worst] < 2e-2 else 1)


if __name__ == '__main__':
    main()
