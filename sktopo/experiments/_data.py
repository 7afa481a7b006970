"""Which images an experiment may train on at each scale; the loading is ``load_train_test``.

Tiny and small runs take MNIST from the embedded 5,000-image subset when no IDX files are at
hand, and their report says so. A paper-scale run reads the real files (full MNIST, CIFAR-10,
SVHN) from the data home or refuses before any work, naming the files and where they go: a
paper-scale number computed from the subset would not be the paper's.
"""

from ..datasets import load_train_test

_NO_FILES = " (no MNIST IDX files under data_home)"


def load_experiment_data(experiment, scale, dataset, data_home, **kwargs):
    """Training and test images of one run of ``experiment``, as a Bunch.

    Parameters
    ----------
    experiment : str
        Experiment name, for messages.
    scale : {"tiny", "small", "paper"}
        The run's scale.
    dataset : {"mnist", "svhn", "cifar10"}
        Data set (:func:`sktopo.datasets.load_train_test`).
    data_home : str, Path or None
        Data home; below paper scale None means the embedded subset for MNIST.
    **kwargs
        Passed to :func:`~sktopo.datasets.load_train_test` (``n_train``, ``n_test``,
        ``random_state``, ``mnist_format``, loader options).

    Returns
    -------
    :class:`~sklearn.utils.Bunch`
        ``X_train``, ``y_train``, ``X_test``, ``y_test``, ``description``.
    """
    if scale == "paper":
        return _paper_data(experiment, dataset, data_home, **kwargs)
    if dataset != "mnist":
        return load_train_test(dataset, data_home, **kwargs)
    if data_home is None:
        return load_train_test("mnist_subset", **kwargs)
    try:
        return load_train_test("mnist", data_home, **kwargs)
    except FileNotFoundError:
        # A data home may hold only other data (SVHN as a transfer target); MNIST then comes
        # from the embedded subset, and the description says so.
        data = load_train_test("mnist_subset", **kwargs)
        data.description += _NO_FILES
        return data


def _paper_data(experiment, dataset, data_home, **kwargs):
    try:
        return load_train_test(dataset, data_home, **kwargs)
    except FileNotFoundError as exc:
        fallback = (" (it does not fall back to the embedded 5,000-image MNIST subset; "
                    "--scale small does)" if dataset == "mnist" else "")
        raise FileNotFoundError(
            f"{experiment} --scale paper trains on the full {dataset} data set{fallback}: {exc}"
        ) from None


def digit_data(experiment, scale, preset, data_home, random_state):
    """The 28x28 digits of a :class:`~._presets.DigitNetPreset` run: MNIST, or SVHN converted
    to MNIST's format as the paper did (:func:`load_experiment_data`)."""
    return load_experiment_data(
        experiment, scale, preset.dataset, data_home, n_train=preset.n_train,
        n_test=preset.n_test, random_state=random_state, mnist_format=preset.dataset == "svhn",
    )
