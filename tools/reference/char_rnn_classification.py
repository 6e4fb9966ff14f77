"""PyTorch 1.13 reference for apps/demo/src/tutorials/char-rnn-classification.test.ts.

pytorch.org's "NLP From Scratch: Classifying Names with a Character-Level RNN" (the torch 1.13
version: i2h and i2o Linear layers on cat(input, hidden), LogSoftmax). dl's random generator is
not torch's, so the hand-written RNN's initial weights travel in the fixture, with the tutorial's
printed output for 'Albert' and the losses of 60 training iterations (the tutorial's train(), the
manual `p.data.add_(p.grad.data, alpha=-learning_rate)` update) over a fixed list of examples.

    /usr/bin/python3 tools/reference/char_rnn_classification.py
writes apps/demo/src/tutorials/__fixtures__/char-rnn-classification.json
"""
import json, os, random, string, unicodedata
import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'apps', 'demo', 'src', 'tutorials', '__fixtures__', 'char-rnn-classification.json')

all_letters = string.ascii_letters + " .,;'"
n_letters = len(all_letters)
all_categories = ['Japanese', 'Russian', 'Italian', 'Scottish']
n_categories = len(all_categories)


def unicodeToAscii(s):
    return ''.join(
        c for c in unicodedata.normalize('NFD', s)
        if unicodedata.category(c) != 'Mn'
        and c in all_letters
    )


def letterToIndex(letter):
    return all_letters.find(letter)


def letterToTensor(letter):
    tensor = torch.zeros(1, n_letters)
    tensor[0][letterToIndex(letter)] = 1
    return tensor


def lineToTensor(line):
    tensor = torch.zeros(len(line), 1, n_letters)
    for li, letter in enumerate(line):
        tensor[li][0][letterToIndex(letter)] = 1
    return tensor


class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(RNN, self).__init__()

        self.hidden_size = hidden_size

        self.i2h = nn.Linear(input_size + hidden_size, hidden_size)
        self.i2o = nn.Linear(input_size + hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, input, hidden):
        combined = torch.cat((input, hidden), 1)
        hidden = self.i2h(combined)
        output = self.i2o(combined)
        output = self.softmax(output)
        return output, hidden

    def initHidden(self):
        return torch.zeros(1, self.hidden_size)


EXAMPLES = [('Nakamura', 0), ('Petrov', 1), ('Ricci', 2), ('Fraser', 3), ('Suzuki', 0), ('Volkov', 1),
            ('Esposito', 2), ('Macdonald', 3), ('Albert', 3), ('Tanaka', 0)]


def main():
    torch.manual_seed(0)
    n_hidden = 128
    rnn = RNN(n_letters, n_hidden, n_categories)
    init = {k: v.tolist() for k, v in rnn.state_dict().items()}

    input = lineToTensor('Albert')
    hidden = torch.zeros(1, n_hidden)
    output, next_hidden = rnn(input[0], hidden)

    criterion = nn.NLLLoss()
    learning_rate = 0.005

    def train(category_tensor, line_tensor):
        hidden = rnn.initHidden()
        rnn.zero_grad()
        for i in range(line_tensor.size()[0]):
            output, hidden = rnn(line_tensor[i], hidden)
        loss = criterion(output, category_tensor)
        loss.backward()
        # Add parameters' gradients to their values, multiplied by learning rate
        for p in rnn.parameters():
            p.data.add_(p.grad.data, alpha=-learning_rate)
        return output, loss.item()

    losses = []
    for it in range(60):
        line, c = EXAMPLES[it % len(EXAMPLES)]
        _, loss = train(torch.tensor([c], dtype=torch.long), lineToTensor(line))
        losses.append(loss)
    with torch.no_grad():
        hidden = rnn.initHidden()
        line_tensor = lineToTensor('Dovesky')
        for i in range(line_tensor.size()[0]):
            final, hidden = rnn(line_tensor[i], hidden)

    data = {
        'torch': torch.__version__,
        'unicode_to_ascii': unicodeToAscii('Ślusàrski'),
        'letter_J': str(letterToTensor('J')),
        'jones_size': list(lineToTensor('Jones').size()),
        'repr': repr(rnn),
        'state_keys': list(rnn.state_dict().keys()),
        'state_dict': init,
        'albert_output': output.tolist(),
        'albert_str': str(output),
        'examples': EXAMPLES,
        'losses': losses,
        'dovesky_after': final.tolist(),
    }
    with open(OUT, 'w') as f:
        json.dump(data, f)
        f.write('\n')
    print('wrote', os.path.normpath(OUT))
    print(data['albert_str'], data['letter_J'], data['repr'], losses[0], losses[-1], sep='\n')


if __name__ == '__main__':
    main()
