"""Data loaders and synthetic clouds.

Image loaders return a :class:`~sklearn.utils.Bunch` with ``images`` (uint8, channels last:
``(n, 28, 28)`` for digits, ``(n, 32, 32, 3)`` for colour), ``data`` (the same pixels flattened),
``target`` (int64) and ``target_names``, or ``(images, target)`` with ``return_X_y=True``. Loaders
with a train/test split take ``subset="train" | "test" | "all"``. They read local files only (a
``path``, or a data home from ``data_home=`` / the ``SKTOPO_DATA`` environment variable) and never
download; a missing file raises ``FileNotFoundError`` naming the files and where to put them.
:func:`load_train_test` gives any of them as training and test images ready for a torch network.
"""

from ._base import DATA_HOME_ENV, GRAY_WEIGHTS, as_nchw, get_data_home, resize_images
from ._cifar import CIFAR10_CLASSES, load_cifar10
from ._digits import load_digits_28
from ._mnist import load_mnist, load_mnist_subset, read_idx
from ._sampling import noisy_labels, stratified_subsample
from ._svhn import load_svhn, to_mnist_format
from ._synthetic import make_collection, make_filter_cloud
from ._train_test import load_train_test

__all__ = [
    "CIFAR10_CLASSES",
    "DATA_HOME_ENV",
    "GRAY_WEIGHTS",
    "as_nchw",
    "get_data_home",
    "load_cifar10",
    "load_digits_28",
    "load_mnist",
    "load_mnist_subset",
    "load_svhn",
    "load_train_test",
    "make_collection",
    "make_filter_cloud",
    "noisy_labels",
    "read_idx",
    "resize_images",
    "stratified_subsample",
    "to_mnist_format",
]
