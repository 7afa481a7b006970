"""Predict test accuracy from the topology of first-layer filters, and tune rho(k, p).

The paper's Section VI links the lifetime of the longest H1 bar of a network's first-layer
filters (its "topological simplicity") to the network's test accuracy. This script

1. trains two small M(32, 0, 32) networks on the embedded 5,000-image MNIST subset,
   snapshotting the first conv layer and the held-out accuracy every 20 batch iterations;
2. pools the two first layers at every snapshot into one filter cloud (64 filters);
3. fits the generalisation-measure regression, a scikit-learn Pipeline

       clouds -> normalise, drop dead filters -> rho(k, p) -> barcode -> max H1 lifetime
              -> LinearRegression

   and tunes ``topology__density__k`` and ``topology__density__p`` with GridSearchCV and
   shuffled 5-fold cross-validation scored by mean absolute error (with a dozen samples the
   test folds hold two or three, too few for R^2; ``LeaveOneOut()`` also works, at more cost).

It needs no data files and runs in about 20 seconds on a laptop CPU. With so little training
no primary circle has formed yet, so the fitted relation is weak and its sign can change with
the seeds; docs/experiments/generalization.md discusses the scale needed.
"""

import numpy as np
import torch
from sklearn.model_selection import GridSearchCV, KFold

from sktopo.datasets import load_train_test
from sktopo.nn import snapshot_clouds, train_many
from sktopo.pipeline import make_generalization_regression

# Nets this small gain nothing from more threads, and extra threads slow a busy machine a lot.
torch.set_num_threads(1)
N_NETS, MAX_ITER, EVERY = 2, 240, 20

digits = load_train_test("mnist_subset", n_train=4000, n_test=1000)

config = {"arch": "M", "sizes": (32, 0, 32), "max_iter": MAX_ITER, "batch_size": 64,
          "device": "cpu"}
records = train_many(config, N_NETS, digits.X_train, digits.y_train, X_valid=digits.X_test,
                     y_valid=digits.y_test, snapshot_iterations=list(range(0, MAX_ITER + 1, EVERY)),
                     snapshot_layers=["features.conv1"])

# One pooled cloud per snapshot iteration; the target is the mean test accuracy there.
iterations, clouds = snapshot_clouds([r["snapshots"] for r in records], layer=1)
y = np.mean([[r["snapshot_valid_acc"][it] for it in iterations] for r in records], axis=0)

model = make_generalization_regression(k=10, p=0.3, n_landmarks=15, random_state=0)
print(model, "\n")

search = GridSearchCV(
    model,
    {"topology__density__k": [5, 10, 20], "topology__density__p": [0.3, 0.6]},
    cv=KFold(n_splits=5, shuffle=True, random_state=0),
    scoring="neg_mean_absolute_error",
)
search.fit(clouds, y)

best = search.best_estimator_
lifetime = best.named_steps["topology"].transform(clouds)[:, 0]
print(f"{'iteration':>9} {'test acc':>8} {'max H1':>7} {'predicted':>9}")
for it, acc, life, pred in zip(iterations, y, lifetime, best.predict(clouds)):
    print(f"{it:9d} {acc:8.3f} {life:7.3f} {pred:9.3f}")
print(f"\nbest rho(k, p): k={search.best_params_['topology__density__k']}, "
      f"p={search.best_params_['topology__density__p']}")
print(f"5-fold MAE: {-search.best_score_:.3f}  "
      f"(predicting the mean accuracy: {np.mean(np.abs(y - y.mean())):.3f})")
print(f"Pearson r(max H1 lifetime, accuracy): {np.corrcoef(lifetime, y)[0, 1]:.2f}")
