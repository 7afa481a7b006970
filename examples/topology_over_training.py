"""Follow the shape of the first-layer filters while a network trains.

A skorch callback snapshots the conv weights every 50 batch iterations; each snapshot becomes a
cloud, and one collection-level Pipeline turns the collection into one row of topological
features per checkpoint. About a minute on a laptop CPU.
"""

import pandas as pd
from sklearn.model_selection import train_test_split

from sktopo.datasets import load_mnist_subset
from sktopo.nn import WeightSnapshots, make_net, snapshot_clouds
from sktopo.pipeline import make_topology_pipeline

digits = load_mnist_subset()
X = digits.images.astype("float32") / 255.0
# The subset is sorted by digit: shuffle before holding out a validation set.
X_train, X_valid, y_train, y_valid = train_test_split(
    X, digits.target, test_size=500, stratify=digits.target, random_state=0
)
snapshots = WeightSnapshots(iterations=50, X_valid=X_valid, y_valid=y_valid)
net = make_net("M", (64, 0, 32), max_iter=300, batch_size=64, random_state=0,
               callbacks=[("snapshots", snapshots)])
net.fit(X_train, y_train)

iterations, clouds = snapshot_clouds(snapshots.snapshots_, layer=1)
# One cloud per checkpoint: a collection, so one Pipeline gives one feature row per checkpoint.
topology = make_topology_pipeline(k=10, p=0.5, backend="exact", features=["max_lifetime"],
                                  homology_dimensions=[1]).set_output(transform="pandas")
features = topology.fit_transform(clouds)
table = pd.DataFrame(
    {
        "iteration": iterations,
        "valid_acc": [snapshots.valid_acc_.get(i) for i in iterations],
        "max_lifetime_h1": features["max_lifetime_h1"].to_numpy(),
        "dead_filters": topology.named_steps["normalize"].n_dead_,
    }
)
print(table.to_string(index=False))
