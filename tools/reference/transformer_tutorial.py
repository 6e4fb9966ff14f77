"""PyTorch 1.13 reference for apps/demo/src/tutorials/transformer-tutorial.test.ts.

pytorch.org's "Language Modeling with nn.Transformer and TorchText" (the torch 1.13 version) on
a small corpus: the first ~3000 characters of apps/demo/src/charlm/kjv-excerpt.txt, split into
lines (80% train, 10% validation, 10% test) and tokenized as torchtext's basic_english (reimplemented
here: torchtext is not installed). It writes, for the dl port:

- __fixtures__/transformer-tutorial.pt (torch.save): the initial state dict of a
  TransformerModel(ntokens, 32, 2, 64, 2, 0.2) (the tutorial's class; smaller sizes than the
  tutorial's 200/200 keep the file small), the parity batch, torch's eval-mode output on it, the
  gradients of the loss on it, and the losses of 6 steps of the tutorial's training step (SGD lr
  5.0, clip_grad_norm_ 0.5, StepLR 0.95 each step here) with dropout off (model.eval(): dropout
  draws cannot be shared);
- __fixtures__/transformer-tutorial.json: the vocabulary, the reprs, the state-dict keys, the
  positional-encoding values and the batchify/get_batch shapes.

    /usr/bin/python3 tools/reference/transformer_tutorial.py
"""
import json, math, os, re
import torch
from torch import nn, Tensor
from torch.nn import TransformerEncoder, TransformerEncoderLayer
from typing import Tuple

ROOT = os.path.join(os.path.dirname(__file__), '..', '..')
FIX = os.path.join(ROOT, 'apps', 'demo', 'src', 'tutorials', '__fixtures__')
CORPUS = os.path.join(ROOT, 'apps', 'demo', 'src', 'charlm', 'kjv-excerpt.txt')


class TransformerModel(nn.Module):

    def __init__(self, ntoken: int, d_model: int, nhead: int, d_hid: int,
                 nlayers: int, dropout: float = 0.5):
        super().__init__()
        self.model_type = 'Transformer'
        self.pos_encoder = PositionalEncoding(d_model, dropout)
        encoder_layers = TransformerEncoderLayer(d_model, nhead, d_hid, dropout)
        self.transformer_encoder = TransformerEncoder(encoder_layers, nlayers)
        self.encoder = nn.Embedding(ntoken, d_model)
        self.d_model = d_model
        self.decoder = nn.Linear(d_model, ntoken)

        self.init_weights()

    def init_weights(self) -> None:
        initrange = 0.1
        self.encoder.weight.data.uniform_(-initrange, initrange)
        self.decoder.bias.data.zero_()
        self.decoder.weight.data.uniform_(-initrange, initrange)

    def forward(self, src: Tensor, src_mask: Tensor) -> Tensor:
        src = self.encoder(src) * math.sqrt(self.d_model)
        src = self.pos_encoder(src)
        output = self.transformer_encoder(src, src_mask)
        output = self.decoder(output)
        return output


def generate_square_subsequent_mask(sz: int) -> Tensor:
    """Generates an upper-triangular matrix of -inf, with zeros on diag."""
    return torch.triu(torch.ones(sz, sz) * float('-inf'), diagonal=1)


class PositionalEncoding(nn.Module):

    def __init__(self, d_model: int, dropout: float = 0.1, max_len: int = 5000):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)

        position = torch.arange(max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, 1, d_model)
        pe[:, 0, 0::2] = torch.sin(position * div_term)
        pe[:, 0, 1::2] = torch.cos(position * div_term)
        self.register_buffer('pe', pe)

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.pe[:x.size(0)]
        return self.dropout(x)


# torchtext's get_tokenizer('basic_english')
_patterns = [r"\'", r"\"", r"\.", r"<br \/>", r",", r"\(", r"\)", r"\!", r"\?", r"\;", r"\:", r"\s+"]
_replacements = [" '  ", "", " . ", " ", " , ", " ( ", " ) ", " ! ", " ? ", " ", " ", " "]


def tokenizer(line):
    line = line.lower()
    for p, r in zip(_patterns, _replacements):
        line = re.sub(p, r, line)
    return line.split()


def corpus_lines():
    text = open(CORPUS, encoding='utf8').read()[:3000]
    lines = text.split('\n')[:-1]  # whole lines only
    n, m = int(len(lines) * 0.8), int(len(lines) * 0.9)
    return lines[:n], lines[n:m], lines[m:]


def build_vocab(lines):
    """torchtext's build_vocab_from_iterator(map(tokenizer, lines), specials=['<unk>'])."""
    counter = {}
    for line in lines:
        for tok in tokenizer(line):
            counter[tok] = counter.get(tok, 0) + 1
    ordered = sorted(counter.items(), key=lambda x: x[0])
    ordered.sort(key=lambda x: x[1], reverse=True)
    return ['<unk>'] + [t for t, _ in ordered]


def main():
    train_lines, val_lines, test_lines = corpus_lines()
    itos = build_vocab(train_lines)
    stoi = {t: i for i, t in enumerate(itos)}
    vocab = lambda toks: [stoi.get(t, 0) for t in toks]

    def data_process(raw_text_iter):
        data = [torch.tensor(vocab(tokenizer(item)), dtype=torch.long) for item in raw_text_iter]
        return torch.cat(tuple(filter(lambda t: t.numel() > 0, data)))

    train_data = data_process(train_lines)
    val_data = data_process(val_lines)
    test_data = data_process(test_lines)

    def batchify(data: Tensor, bsz: int) -> Tensor:
        seq_len = data.size(0) // bsz
        data = data[:seq_len * bsz]
        data = data.view(bsz, seq_len).t().contiguous()
        return data

    batch_size = 4
    train_b = batchify(train_data, batch_size)
    val_b = batchify(val_data, 2)
    test_b = batchify(test_data, 2)
    bptt = 35

    def get_batch(source: Tensor, i: int) -> Tuple[Tensor, Tensor]:
        seq_len = min(bptt, len(source) - 1 - i)
        data = source[i:i + seq_len]
        target = source[i + 1:i + 1 + seq_len].reshape(-1)
        return data, target

    ntokens = len(itos)
    torch.manual_seed(0)
    model = TransformerModel(ntokens, 32, 2, 64, 2, 0.2)
    # the positional-encoding buffer (5000 x 1 x 32) stays out of the file: dl computes its own
    init = {k: v.clone() for k, v in model.state_dict().items() if k != 'pos_encoder.pe'}
    big = TransformerModel(ntokens, 200, 2, 200, 2, 0.2)  # the tutorial's sizes: repr and keys

    data, targets = get_batch(train_b, 0)
    data, targets = data[:12], train_b[1:13].reshape(-1)  # a 12-step parity batch
    src_mask = generate_square_subsequent_mask(12)
    criterion = nn.CrossEntropyLoss()
    model.eval()
    with torch.no_grad():
        out_eval = model(data, src_mask)
    output = model(data, src_mask)  # eval mode, with grad (no fast path)
    loss = criterion(output.view(-1, ntokens), targets)
    loss.backward()
    grads = {k: p.grad.clone() for k, p in model.named_parameters()}

    lr = 5.0
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1.0, gamma=0.95)
    steps = []
    for step in range(6):
        d, t = get_batch(train_b, (step % 3) * bptt)
        mask = generate_square_subsequent_mask(bptt)
        seq_len = d.size(0)
        if seq_len != bptt:
            mask = mask[:seq_len, :seq_len]
        out = model(d, mask)
        l = criterion(out.view(-1, ntokens), t)
        optimizer.zero_grad()
        l.backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        optimizer.step()
        scheduler.step()
        steps.append({'loss': l.item(), 'norm': norm.item(), 'lr': scheduler.get_last_lr()[0]})

    torch.save({'state_dict': init, 'data': data, 'targets': targets, 'src_mask': src_mask,
                'output': out_eval, 'loss': loss.detach(), 'grads': grads},
               os.path.join(FIX, 'transformer-tutorial.pt'))
    pe = PositionalEncoding(32, 0.1).pe
    info = {
        'torch': torch.__version__,
        'itos': itos,
        'train_tokens': train_data.numel(),
        'val_tokens': val_data.numel(),
        'train_shape': list(train_b.shape),
        'val_shape': list(val_b.shape),
        'test_shape': list(test_b.shape),
        'n_lines': [len(train_lines), len(val_lines), len(test_lines)],
        'train_head': train_b[:3].tolist(),
        'tokens_line0': tokenizer(train_lines[0]),
        'mask5': str(generate_square_subsequent_mask(5)),
        'pe_shape': list(pe.shape),
        'pe_rows': pe[[0, 1, 7, 4999], 0].tolist(),
        'repr': repr(big),
        'state_keys': list(big.state_dict().keys()),
        'param_count': sum(p.numel() for p in big.parameters()),
        'steps': steps,
    }
    with open(os.path.join(FIX, 'transformer-tutorial.json'), 'w') as f:
        json.dump(info, f)
        f.write('\n')
    print(info['repr'])
    print(ntokens, info['train_shape'], info['val_shape'], steps)
    print(os.path.getsize(os.path.join(FIX, 'transformer-tutorial.pt')))


if __name__ == '__main__':
    main()
