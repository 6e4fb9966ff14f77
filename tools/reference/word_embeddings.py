"""PyTorch 1.13 reference for apps/demo/src/tutorials/word-embeddings.test.ts.

pytorch.org's "Deep Learning for NLP with PyTorch": "Word Embeddings: Encoding Lexical
Semantics" (nn.Embedding lookups, the N-Gram language model trained with NLLLoss and SGD, and
the CBOW exercise, solved) and "Deep Learning with PyTorch" (the bag-of-words logistic
regression classifier). dl's random generator is not torch's, so the initial weights travel in the
fixture with torch's outputs and losses.

The tutorial builds word_to_ix from `set(test_sentence)`, whose order depends on Python's string
hashing (PYTHONHASHSEED); the port and this reference use first-appearance order instead.

    /usr/bin/python3 tools/reference/word_embeddings.py
writes apps/demo/src/tutorials/__fixtures__/word-embeddings.json
"""
import json, os
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'apps', 'demo', 'src', 'tutorials', '__fixtures__', 'word-embeddings.json')


def sd(m):
    return {k: v.tolist() for k, v in m.state_dict().items()}


def embeddings():
    torch.manual_seed(1)
    word_to_ix = {"hello": 0, "world": 1}
    embeds = nn.Embedding(2, 5)  # 2 words in vocab, 5 dimensional embeddings
    lookup_tensor = torch.tensor([word_to_ix["hello"]], dtype=torch.long)
    hello_embed = embeds(lookup_tensor)
    return {'weight': embeds.weight.tolist(), 'hello_embed': str(hello_embed), 'repr': repr(embeds)}


CONTEXT_SIZE = 2
EMBEDDING_DIM = 10
# We will use Shakespeare Sonnet 2
test_sentence = """When forty winters shall besiege thy brow,
And dig deep trenches in thy beauty's field,
Thy youth's proud livery so gazed on now,
Will be a totter'd weed of small worth held:
Then being asked, where all thy beauty lies,
Where all the treasure of thy lusty days;
To say, within thine own deep sunken eyes,
Were an all-eating shame, and thriftless praise.
How much more praise deserv'd thy beauty's use,
If thou couldst answer 'This fair child of mine
Shall sum my count, and make my old excuse,'
Proving his beauty by succession thine!
This were to be new made when thou art old,
And see thy blood warm when thou feel'st it cold.""".split()


class NGramLanguageModeler(nn.Module):

    def __init__(self, vocab_size, embedding_dim, context_size):
        super(NGramLanguageModeler, self).__init__()
        self.embeddings = nn.Embedding(vocab_size, embedding_dim)
        self.linear1 = nn.Linear(context_size * embedding_dim, 128)
        self.linear2 = nn.Linear(128, vocab_size)

    def forward(self, inputs):
        embeds = self.embeddings(inputs).view((1, -1))
        out = F.relu(self.linear1(embeds))
        out = self.linear2(out)
        log_probs = F.log_softmax(out, dim=1)
        return log_probs


def ngram():
    torch.manual_seed(1)
    ngrams = [
        (
            [test_sentence[i - j - 1] for j in range(CONTEXT_SIZE)],
            test_sentence[i]
        )
        for i in range(CONTEXT_SIZE, len(test_sentence))
    ]
    vocab = list(dict.fromkeys(test_sentence))  # set(test_sentence), in first-appearance order
    word_to_ix = {word: i for i, word in enumerate(vocab)}

    losses = []
    loss_function = nn.NLLLoss()
    model = NGramLanguageModeler(len(vocab), EMBEDDING_DIM, CONTEXT_SIZE)
    init = sd(model)
    optimizer = optim.SGD(model.parameters(), lr=0.001)

    for epoch in range(10):
        total_loss = 0
        for context, target in ngrams:
            context_idxs = torch.tensor([word_to_ix[w] for w in context], dtype=torch.long)
            model.zero_grad()
            log_probs = model(context_idxs)
            loss = loss_function(log_probs, torch.tensor([word_to_ix[target]], dtype=torch.long))
            loss.backward()
            optimizer.step()
            total_loss += loss.item()
        losses.append(total_loss)
    return {
        'ngrams3': ngrams[:3],
        'n_ngrams': len(ngrams),
        'vocab_size': len(vocab),
        'repr': repr(model),
        'state_dict': init,
        'losses': losses,
        'beauty': model.embeddings.weight[word_to_ix["beauty"]].tolist(),
        'beauty_str': str(model.embeddings.weight[word_to_ix["beauty"]]),
    }


raw_text = """We are about to study the idea of a computational process.
Computational processes are abstract beings that inhabit computers.
As they evolve, processes manipulate other abstract things called data.
The evolution of a process is directed by a pattern of rules
called a program. People create programs to direct processes. In effect,
we conjure the spirits of the computer with our spells.""".split()


def cbow_data():
    data = []
    for i in range(CONTEXT_SIZE, len(raw_text) - CONTEXT_SIZE):
        context = (
            [raw_text[i - j - 1] for j in range(CONTEXT_SIZE)]
            + [raw_text[i + j + 1] for j in range(CONTEXT_SIZE)]
        )
        target = raw_text[i]
        data.append((context, target))
    return data


# Deep Learning with PyTorch: the bag-of-words classifier
data = [("me gusta comer en la cafeteria".split(), "SPANISH"),
        ("Give it to me".split(), "ENGLISH"),
        ("No creo que sea una buena idea".split(), "SPANISH"),
        ("No it is not a good idea to get lost at sea".split(), "ENGLISH")]

test_data = [("Yo creo que si".split(), "SPANISH"),
             ("it is lost on me".split(), "ENGLISH")]


class BoWClassifier(nn.Module):  # inheriting from nn.Module!

    def __init__(self, num_labels, vocab_size):
        super(BoWClassifier, self).__init__()
        self.linear = nn.Linear(vocab_size, num_labels)

    def forward(self, bow_vec):
        return F.log_softmax(self.linear(bow_vec), dim=1)


def make_bow_vector(sentence, word_to_ix):
    vec = torch.zeros(len(word_to_ix))
    for word in sentence:
        vec[word_to_ix[word]] += 1
    return vec.view(1, -1)


def make_target(label, label_to_ix):
    return torch.LongTensor([label_to_ix[label]])


def bow():
    torch.manual_seed(1)
    word_to_ix = {}
    for sent, _ in data + test_data:
        for word in sent:
            if word not in word_to_ix:
                word_to_ix[word] = len(word_to_ix)
    VOCAB_SIZE = len(word_to_ix)
    NUM_LABELS = 2
    model = BoWClassifier(NUM_LABELS, VOCAB_SIZE)
    init = sd(model)
    params = [str(p) for p in model.parameters()]
    with torch.no_grad():
        sample = data[0]
        bow_vector = make_bow_vector(sample[0], word_to_ix)
        log_probs = model(bow_vector)
    label_to_ix = {"SPANISH": 0, "ENGLISH": 1}
    before = []
    with torch.no_grad():
        for instance, label in test_data:
            before.append(model(make_bow_vector(instance, word_to_ix)).tolist())
    creo_before = str(next(model.parameters())[:, word_to_ix["creo"]])
    loss_function = nn.NLLLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(100):
        for instance, label in data:
            model.zero_grad()
            bow_vec = make_bow_vector(instance, word_to_ix)
            target = make_target(label, label_to_ix)
            log_probs_t = model(bow_vec)
            loss = loss_function(log_probs_t, target)
            loss.backward()
            optimizer.step()
    after = []
    with torch.no_grad():
        for instance, label in test_data:
            after.append(model(make_bow_vector(instance, word_to_ix)).tolist())
    return {
        'word_to_ix': word_to_ix,
        'state_dict': init,
        'params_str': params,
        'log_probs': str(log_probs),
        'before': before,
        'after': after,
        'creo_before': creo_before,
        'creo_after': str(next(model.parameters())[:, word_to_ix["creo"]]),
    }


def main():
    out = {'torch': torch.__version__, 'embeddings': embeddings(), 'ngram': ngram(), 'cbow_data5': cbow_data()[:5], 'bow': bow()}
    with open(OUT, 'w') as f:
        json.dump(out, f)
        f.write('\n')
    print('wrote', os.path.normpath(OUT))
    print(out['embeddings']['hello_embed'], out['ngram']['ngrams3'], out['ngram']['losses'], out['ngram']['beauty_str'], sep='\n')
    print(out['bow']['params_str'], out['bow']['log_probs'], out['bow']['creo_before'], out['bow']['creo_after'], out['bow']['after'], sep='\n')


if __name__ == '__main__':
    main()
