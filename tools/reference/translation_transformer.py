"""PyTorch 1.13 reference for apps/demo/src/tutorials/translation-transformer.test.ts.

pytorch.org's "Language Translation with nn.Transformer and torchtext" (the torch 1.13 version:
Seq2SeqTransformer over nn.Transformer, TokenEmbedding, PositionalEncoding, create_mask with
padding masks, Adam with betas (0.9, 0.98), eps 1e-9, greedy_decode, translate). No Multi30k,
spacy or torchtext here: PAIRS is a handful of German-English pairs, tokenized by a regular
expression (words, or single punctuation marks) and numbered as torchtext's
build_vocab_from_iterator(specials first, then by frequency, ties alphabetical) does.

dl's random generator is not torch's, so the fixture carries a small Seq2SeqTransformer's
(2 + 2 layers, emb 32, 4 heads, ffn 64) torch.manual_seed(0) + xavier_uniform_ weights
(translation-transformer.pt, torch.save), the first batch, torch's logits and loss on it with the
model in eval mode (dropout draws cannot be shared), the gradients, the losses of 4 Adam steps,
and greedy translations afterwards; the JSON holds the vocabularies and the tutorial model's repr.

    /usr/bin/python3 tools/reference/translation_transformer.py [--calibrate EPOCHS LR BATCH_SIZE]
"""
import json, math, os, re, sys
import torch
import torch.nn as nn
from torch import Tensor
from torch.nn import Transformer
from torch.nn.utils.rnn import pad_sequence

FIX = os.path.join(os.path.dirname(__file__), '..', '..', 'apps', 'demo', 'src', 'tutorials', '__fixtures__')

SRC_LANGUAGE = 'de'
TGT_LANGUAGE = 'en'
PAIRS = [
    ("Zwei junge Männer spielen Fußball.", "Two young men play soccer."),
    ("Ein Mann fährt Fahrrad.", "A man rides a bike."),
    ("Eine Frau liest ein Buch.", "A woman reads a book."),
    ("Ein Hund läuft im Park.", "A dog runs in the park."),
    ("Zwei Kinder spielen im Wasser.", "Two children play in the water."),
    ("Ein Mann liest eine Zeitung.", "A man reads a newspaper."),
    ("Eine Frau fährt ein Auto.", "A woman drives a car."),
    ("Ein Junge spielt mit einem Hund.", "A boy plays with a dog."),
]


def tokenizer(s):
    return re.findall(r"\w+|[^\w\s]", s)


# Define special symbols and indices
UNK_IDX, PAD_IDX, BOS_IDX, EOS_IDX = 0, 1, 2, 3
# Make sure the tokens are in order of their indices to properly insert them in vocab
special_symbols = ['<unk>', '<pad>', '<bos>', '<eos>']


def build_vocab(ln):
    counter = {}
    for pair in PAIRS:
        for tok in tokenizer(pair[0 if ln == SRC_LANGUAGE else 1]):
            counter[tok] = counter.get(tok, 0) + 1
    ordered = sorted(counter.items(), key=lambda x: x[0])
    ordered.sort(key=lambda x: x[1], reverse=True)
    return special_symbols + [t for t, _ in ordered]


vocab_itos = {ln: build_vocab(ln) for ln in [SRC_LANGUAGE, TGT_LANGUAGE]}
vocab_stoi = {ln: {t: i for i, t in enumerate(v)} for ln, v in vocab_itos.items()}


# helper Module that adds positional encoding to the token embedding to introduce a notion of word order.
class PositionalEncoding(nn.Module):
    def __init__(self, emb_size: int, dropout: float, maxlen: int = 5000):
        super(PositionalEncoding, self).__init__()
        den = torch.exp(- torch.arange(0, emb_size, 2) * math.log(10000) / emb_size)
        pos = torch.arange(0, maxlen).reshape(maxlen, 1)
        pos_embedding = torch.zeros((maxlen, emb_size))
        pos_embedding[:, 0::2] = torch.sin(pos * den)
        pos_embedding[:, 1::2] = torch.cos(pos * den)
        pos_embedding = pos_embedding.unsqueeze(-2)

        self.dropout = nn.Dropout(dropout)
        self.register_buffer('pos_embedding', pos_embedding)

    def forward(self, token_embedding: Tensor):
        return self.dropout(token_embedding + self.pos_embedding[:token_embedding.size(0), :])


# helper Module to convert tensor of input indices into corresponding tensor of token embeddings
class TokenEmbedding(nn.Module):
    def __init__(self, vocab_size: int, emb_size):
        super(TokenEmbedding, self).__init__()
        self.embedding = nn.Embedding(vocab_size, emb_size)
        self.emb_size = emb_size

    def forward(self, tokens: Tensor):
        return self.embedding(tokens.long()) * math.sqrt(self.emb_size)


# Seq2Seq Network
class Seq2SeqTransformer(nn.Module):
    def __init__(self, num_encoder_layers: int, num_decoder_layers: int, emb_size: int, nhead: int,
                 src_vocab_size: int, tgt_vocab_size: int, dim_feedforward: int = 512, dropout: float = 0.1):
        super(Seq2SeqTransformer, self).__init__()
        self.transformer = Transformer(d_model=emb_size,
                                       nhead=nhead,
                                       num_encoder_layers=num_encoder_layers,
                                       num_decoder_layers=num_decoder_layers,
                                       dim_feedforward=dim_feedforward,
                                       dropout=dropout)
        self.generator = nn.Linear(emb_size, tgt_vocab_size)
        self.src_tok_emb = TokenEmbedding(src_vocab_size, emb_size)
        self.tgt_tok_emb = TokenEmbedding(tgt_vocab_size, emb_size)
        self.positional_encoding = PositionalEncoding(
            emb_size, dropout=dropout)

    def forward(self, src: Tensor, trg: Tensor, src_mask: Tensor, tgt_mask: Tensor, src_padding_mask: Tensor,
                tgt_padding_mask: Tensor, memory_key_padding_mask: Tensor):
        src_emb = self.positional_encoding(self.src_tok_emb(src))
        tgt_emb = self.positional_encoding(self.tgt_tok_emb(trg))
        outs = self.transformer(src_emb, tgt_emb, src_mask, tgt_mask, None,
                                src_padding_mask, tgt_padding_mask, memory_key_padding_mask)
        return self.generator(outs)

    def encode(self, src: Tensor, src_mask: Tensor):
        return self.transformer.encoder(self.positional_encoding(
            self.src_tok_emb(src)), src_mask)

    def decode(self, tgt: Tensor, memory: Tensor, tgt_mask: Tensor):
        return self.transformer.decoder(self.positional_encoding(
            self.tgt_tok_emb(tgt)), memory,
            tgt_mask)


def generate_square_subsequent_mask(sz):
    mask = (torch.triu(torch.ones((sz, sz))) == 1).transpose(0, 1)
    mask = mask.float().masked_fill(mask == 0, float('-inf')).masked_fill(mask == 1, float(0.0))
    return mask


def create_mask(src, tgt):
    src_seq_len = src.shape[0]
    tgt_seq_len = tgt.shape[0]

    tgt_mask = generate_square_subsequent_mask(tgt_seq_len)
    src_mask = torch.zeros((src_seq_len, src_seq_len)).type(torch.bool)

    src_padding_mask = (src == PAD_IDX).transpose(0, 1)
    tgt_padding_mask = (tgt == PAD_IDX).transpose(0, 1)
    return src_mask, tgt_mask, src_padding_mask, tgt_padding_mask


# function to add BOS/EOS and create tensor for input sequence indices
def tensor_transform(token_ids):
    return torch.cat((torch.tensor([BOS_IDX]),
                      torch.tensor(token_ids),
                      torch.tensor([EOS_IDX])))


def text_transform(ln, s):
    return tensor_transform([vocab_stoi[ln].get(t, UNK_IDX) for t in tokenizer(s)])


# function to collate data samples into batch tensors
def collate_fn(batch):
    src_batch, tgt_batch = [], []
    for src_sample, tgt_sample in batch:
        src_batch.append(text_transform(SRC_LANGUAGE, src_sample.rstrip("\n")))
        tgt_batch.append(text_transform(TGT_LANGUAGE, tgt_sample.rstrip("\n")))

    src_batch = pad_sequence(src_batch, padding_value=PAD_IDX)
    tgt_batch = pad_sequence(tgt_batch, padding_value=PAD_IDX)
    return src_batch, tgt_batch


# function to generate output sequence using greedy algorithm
def greedy_decode(model, src, src_mask, max_len, start_symbol):
    memory = model.encode(src, src_mask)
    ys = torch.ones(1, 1).fill_(start_symbol).type(torch.long)
    for i in range(max_len - 1):
        tgt_mask = (generate_square_subsequent_mask(ys.size(0))
                    .type(torch.bool))
        out = model.decode(ys, memory, tgt_mask)
        out = out.transpose(0, 1)
        prob = model.generator(out[:, -1])
        _, next_word = torch.max(prob, dim=1)
        next_word = next_word.item()

        ys = torch.cat([ys,
                        torch.ones(1, 1).type_as(src.data).fill_(next_word)], dim=0)
        if next_word == EOS_IDX:
            break
    return ys


# actual function to translate input sentence into target language
def translate(model: torch.nn.Module, src_sentence: str):
    model.eval()
    src = text_transform(SRC_LANGUAGE, src_sentence).view(-1, 1)
    num_tokens = src.shape[0]
    src_mask = (torch.zeros(num_tokens, num_tokens)).type(torch.bool)
    tgt_tokens = greedy_decode(
        model, src, src_mask, max_len=num_tokens + 5, start_symbol=BOS_IDX).flatten()
    return " ".join([vocab_itos[TGT_LANGUAGE][i] for i in tgt_tokens.tolist()]).replace("<bos>", "").replace("<eos>", "")


def make_model(emb, nhead, ffn, layers, lr):
    model = Seq2SeqTransformer(layers, layers, emb, nhead, len(vocab_itos[SRC_LANGUAGE]), len(vocab_itos[TGT_LANGUAGE]), ffn)
    for p in model.parameters():
        if p.dim() > 1:
            nn.init.xavier_uniform_(p)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, betas=(0.9, 0.98), eps=1e-9)
    return model, optimizer


def main():
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=PAD_IDX)
    if '--calibrate' in sys.argv:
        k = sys.argv.index('--calibrate')
        epochs, lr, bs = int(sys.argv[k + 1]), float(sys.argv[k + 2]), int(sys.argv[k + 3])
        for seed in [0, 1]:
            torch.manual_seed(seed)
            model, optimizer = make_model(32, 4, 64, 2, lr)
            for epoch in range(epochs):
                model.train()
                for b in range(0, len(PAIRS), bs):
                    src, tgt = collate_fn(PAIRS[b:b + bs])
                    tgt_input = tgt[:-1, :]
                    src_mask, tgt_mask, src_padding_mask, tgt_padding_mask = create_mask(src, tgt_input)
                    logits = model(src, tgt_input, src_mask, tgt_mask, src_padding_mask, tgt_padding_mask, src_padding_mask)
                    optimizer.zero_grad()
                    loss = loss_fn(logits.reshape(-1, logits.shape[-1]), tgt[1:, :].reshape(-1))
                    loss.backward()
                    optimizer.step()
            print(seed, loss.item(), sum(translate(model, de) == ' ' + ' '.join(tokenizer(en)) + ' ' for de, en in PAIRS))
        return

    torch.manual_seed(0)
    model, optimizer = make_model(32, 4, 64, 2, 0.0001)
    init = {k: v.clone() for k, v in model.state_dict().items() if not k.endswith('pos_embedding')}
    src, tgt = collate_fn(PAIRS[:4])
    tgt_input = tgt[:-1, :]
    src_mask, tgt_mask, src_padding_mask, tgt_padding_mask = create_mask(src, tgt_input)
    model.eval()  # dropout off
    logits = model(src, tgt_input, src_mask, tgt_mask, src_padding_mask, tgt_padding_mask, src_padding_mask)
    tgt_out = tgt[1:, :]
    loss = loss_fn(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1))
    loss.backward()
    grads = {k: p.grad.clone() for k, p in model.named_parameters()}
    losses = []
    for step in range(4):
        s, t = collate_fn(PAIRS[(step % 2) * 4:(step % 2) * 4 + 4])
        ti = t[:-1, :]
        sm, tm, sp, tp = create_mask(s, ti)
        lg = model(s, ti, sm, tm, sp, tp, sp)
        optimizer.zero_grad()
        l = loss_fn(lg.reshape(-1, lg.shape[-1]), t[1:, :].reshape(-1))
        l.backward()
        optimizer.step()
        losses.append(l.item())
    translations = [translate(model, de) for de, _ in PAIRS[:3]]
    torch.save({'state_dict': init, 'src': src, 'tgt': tgt, 'logits': logits.detach(), 'loss': loss.detach(),
                'grads': grads, 'tgt_mask': tgt_mask, 'src_padding_mask': src_padding_mask},
               os.path.join(FIX, 'translation-transformer.pt'))
    torch.manual_seed(0)
    big = Seq2SeqTransformer(3, 3, 512, 8, len(vocab_itos[SRC_LANGUAGE]), len(vocab_itos[TGT_LANGUAGE]), 512)
    info = {
        'torch': torch.__version__,
        'vocab': vocab_itos,
        'tokens0': tokenizer(PAIRS[0][0]),
        'mask4': str(generate_square_subsequent_mask(4)),
        'src_shape': list(src.shape),
        'tgt_shape': list(tgt.shape),
        'src_padding_mask': src_padding_mask.tolist(),
        'repr': repr(big),
        'state_keys': list(big.state_dict().keys()),
        'param_count': sum(p.numel() for p in big.parameters()),
        'losses': losses,
        'translations': translations,
    }
    with open(os.path.join(FIX, 'translation-transformer.json'), 'w') as f:
        json.dump(info, f)
        f.write('\n')
    print(info['src_shape'], info['tgt_shape'], loss.item(), losses, translations, info['param_count'])
    print(os.path.getsize(os.path.join(FIX, 'translation-transformer.pt')))


if __name__ == '__main__':
    main()
