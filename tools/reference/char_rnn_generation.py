"""PyTorch 1.13 reference for apps/demo/src/tutorials/char-rnn-generation.test.ts.

pytorch.org's "NLP From Scratch: Generating Names with a Character-Level RNN" (torch 1.13: the
RNN with i2h, i2o and o2o Linear layers, dropout 0.1 and LogSoftmax, conditioned on a one-hot
category; train() with the manual update p.data.add_(p.grad.data, alpha=-learning_rate); sample()
by greedy top-1). dl's random generator is not torch's, so the fixture carries
torch.manual_seed(0)'s initial weights, the losses of 20 train() calls over fixed (category, name)
pairs with the network in eval mode (dropout draws cannot be shared), and the names sample()
gives afterwards.

    /usr/bin/python3 tools/reference/char_rnn_generation.py
writes apps/demo/src/tutorials/__fixtures__/char-rnn-generation.json
"""
import json, os, string
import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'apps', 'demo', 'src', 'tutorials', '__fixtures__', 'char-rnn-generation.json')

all_letters = string.ascii_letters + " .,;'-"
n_letters = len(all_letters) + 1  # Plus EOS marker
all_categories = ['Japanese', 'Russian', 'Italian', 'Scottish']
n_categories = len(all_categories)


class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(RNN, self).__init__()
        self.hidden_size = hidden_size

        self.i2h = nn.Linear(n_categories + input_size + hidden_size, hidden_size)
        self.i2o = nn.Linear(n_categories + input_size + hidden_size, output_size)
        self.o2o = nn.Linear(hidden_size + output_size, output_size)
        self.dropout = nn.Dropout(0.1)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, category, input, hidden):
        input_combined = torch.cat((category, input, hidden), 1)
        hidden = self.i2h(input_combined)
        output = self.i2o(input_combined)
        output_combined = torch.cat((hidden, output), 1)
        output = self.o2o(output_combined)
        output = self.dropout(output)
        output = self.softmax(output)
        return output, hidden

    def initHidden(self):
        return torch.zeros(1, self.hidden_size)


# One-hot vector for category
def categoryTensor(category):
    li = all_categories.index(category)
    tensor = torch.zeros(1, n_categories)
    tensor[0][li] = 1
    return tensor


# One-hot matrix of first to last letters (not including EOS) for input
def inputTensor(line):
    tensor = torch.zeros(len(line), 1, n_letters)
    for li in range(len(line)):
        letter = line[li]
        tensor[li][0][all_letters.find(letter)] = 1
    return tensor


# ``LongTensor`` of second letter to end (EOS) for target
def targetTensor(line):
    letter_indexes = [all_letters.find(line[li]) for li in range(1, len(line))]
    letter_indexes.append(n_letters - 1)  # EOS
    return torch.LongTensor(letter_indexes)


EXAMPLES = [('Japanese', 'Nakamura'), ('Russian', 'Petrov'), ('Italian', 'Ricci'), ('Scottish', 'Fraser'),
            ('Japanese', 'Suzuki'), ('Russian', 'Volkov'), ('Italian', 'Esposito'), ('Scottish', 'Macdonald')]


def main():
    torch.manual_seed(0)
    rnn = RNN(n_letters, 128, n_letters)
    init = {k: v.tolist() for k, v in rnn.state_dict().items()}
    rnn.eval()  # dropout off
    criterion = nn.NLLLoss()
    learning_rate = 0.0005

    def train(category_tensor, input_line_tensor, target_line_tensor):
        target_line_tensor.unsqueeze_(-1)
        hidden = rnn.initHidden()

        rnn.zero_grad()

        loss = 0

        for i in range(input_line_tensor.size(0)):
            output, hidden = rnn(category_tensor, input_line_tensor[i], hidden)
            l = criterion(output, target_line_tensor[i])
            loss += l

        loss.backward()

        for p in rnn.parameters():
            p.data.add_(p.grad.data, alpha=-learning_rate)

        return output, loss.item() / input_line_tensor.size(0)

    losses = []
    for it in range(20):
        category, line = EXAMPLES[it % len(EXAMPLES)]
        _, loss = train(categoryTensor(category), inputTensor(line), targetTensor(line))
        losses.append(loss)

    max_length = 20

    # Sample from a category and starting letter
    def sample(category, start_letter='A'):
        with torch.no_grad():  # no need to track history in sampling
            category_tensor = categoryTensor(category)
            input = inputTensor(start_letter)
            hidden = rnn.initHidden()

            output_name = start_letter

            for i in range(max_length):
                output, hidden = rnn(category_tensor, input[0], hidden)
                topv, topi = output.topk(1)
                topi = topi[0][0]
                if topi == n_letters - 1:
                    break
                else:
                    letter = all_letters[topi]
                    output_name += letter
                input = inputTensor(letter)

            return output_name

    data = {
        'torch': torch.__version__,
        'n_letters': n_letters,
        'repr': repr(rnn),
        'state_keys': list(rnn.state_dict().keys()),
        'state_dict': init,
        'target_Kasparov': targetTensor('Kasparov').tolist(),
        'examples': EXAMPLES,
        'losses': losses,
        'samples': {c: [sample(c, s) for s in 'ABC'] for c in ['Russian', 'Italian']},
    }
    with open(OUT, 'w') as f:
        json.dump(data, f)
        f.write('\n')
    print('wrote', os.path.normpath(OUT))
    print(data['repr'], losses[0], losses[-1], data['samples'], sep='\n')


if __name__ == '__main__':
    main()
