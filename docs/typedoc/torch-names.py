#!/usr/bin/python3
"""Write docs/typedoc/torch-names.json: every public name of the PyTorch (1.13) and torchvision
namespaces that dl mirrors, as dotted paths. The docs plugin (pytorch-names.mjs) derives each dl
name's torch name and checks it against this list: a derived name that is not here is reported as
"no torch equivalent". Run it with Debian's python3-torch, then let Biome format the file:
  /usr/bin/python3 docs/typedoc/torch-names.py && npx biome format --write docs/typedoc/torch-names.json
"""
import inspect
import json
import os

import torch
import torch.nn.functional
import torch.nn.modules.linear
import torch.nn.utils.rnn
import torch.optim.lr_scheduler
import torch.utils.data
import torchvision
import torchvision.models.resnet
import torchvision.transforms.functional

MODULES = [
    'torch', 'torch.autograd', 'torch.autograd.functional', 'torch.linalg', 'torch.fft', 'torch.special', 'torch.nn',
    'torch.nn.functional', 'torch.nn.init', 'torch.nn.utils', 'torch.nn.utils.rnn', 'torch.optim',
    'torch.optim.lr_scheduler', 'torch.utils.data', 'torch.profiler', 'torch.testing', 'torch.random', 'torch.cuda.amp',
    'torchvision', 'torchvision.datasets', 'torchvision.transforms', 'torchvision.transforms.functional',
    'torchvision.models', 'torchvision.utils', 'torchvision.io', 'torchvision.ops',
    # where torch keeps classes dl exports that torch's packages do not (models.BasicBlock, nn.NonDynamicallyQuantizableLinear)
    'torchvision.models.resnet', 'torch.nn.modules.linear',
]


def resolve(path):
    obj = None
    for i, part in enumerate(path.split('.')):
        obj = __import__(part) if i == 0 else getattr(obj, part)
    return obj


def public(obj):
    return [n for n in dir(obj) if not n.startswith('_')]


names = set()
# A class's members: its own (its __dict__) plus its bases' (resolved by the plugin), to keep the file small.
classes = {}
where = {}  # class object -> its first dotted name


def add_class(path, cls):
    if cls in where:
        classes[path] = {'alias': where[cls]}
        return
    where[cls] = path
    own = [n for n in vars(cls) if not n.startswith('_') or (n.endswith('_') and not n.startswith('__'))]
    classes[path] = {'own': sorted(own), 'bases': [b.__module__ + '.' + b.__qualname__ for b in cls.__bases__ if b is not object]}


for mod_name in MODULES:
    mod = resolve(mod_name)
    names.add(mod_name)
    for n in public(mod):
        names.add(f'{mod_name}.{n}')
        attr = getattr(mod, n, None)
        if inspect.isclass(attr):
            add_class(f'{mod_name}.{n}', attr)
# the bases by their defining module's name too (torch.nn.modules.linear.Linear -> its members)
for cls, path in list(where.items()):
    classes.setdefault(cls.__module__ + '.' + cls.__qualname__, {'alias': path})
for base in [b for c in list(classes.values()) for b in c.get('bases', [])]:
    if base not in classes:
        mod, _, name = base.rpartition('.')
        try:
            add_class(base, getattr(resolve(mod), name))
        except Exception:
            pass
# Tensor methods, including the in-place `add_` and the private-looking `_` ones torch documents
tensor_members = sorted(n for n in dir(torch.Tensor) if not n.startswith('__'))
classes['torch.Tensor'] = {'own': tensor_members, 'bases': []}

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'torch-names.json')
with open(out, 'w') as f:
    json.dump({'torch': torch.__version__, 'torchvision': torchvision.__version__, 'names': sorted(names), 'classes': classes}, f, indent=0, sort_keys=True)
    f.write('\n')
print(f'{len(names)} names -> {out}')
