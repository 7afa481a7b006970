"""Which images an experiment may use at each scale; the loading is ``load_train_test``.

Tiny and small runs take MNIST from the embedded 5,000-image subset when no IDX files are at
hand, and their report says so. A paper-scale run reads the real files (full MNIST, CIFAR-10,
SVHN) from the data home or refuses before any work, naming the files and where they go: a
paper-scale number computed from the subset would not be the paper's.
"""

from pathlib import Path

from sklearn.utils import Bunch

from ..datasets import (as_nchw, load_digits_28, load_svhn, load_train_test,
                        stratified_subsample, to_mnist_format)

_NO_FILES = " (no MNIST IDX files under data_home)"


def _paper_refusal(experiment, dataset, exc):
    """The error of a paper-scale run whose real data is missing."""
    fallback = ("; it does not fall back to the embedded 5,000-image MNIST subset (--scale "
                "tiny and small do)" if dataset == "mnist" else "")
    return FileNotFoundError(f"{experiment} --scale paper needs the real data{fallback}. {exc}")


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
        try:
            return load_train_test(dataset, data_home, **kwargs)
        except FileNotFoundError as exc:
            raise _paper_refusal(experiment, dataset, exc) from None
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


def digit_data(experiment, scale, preset, data_home, random_state):
    """The 28x28 digits of a :class:`~._presets.DigitNetPreset` run: MNIST, or SVHN converted
    to MNIST's format as the paper did (:func:`load_experiment_data`)."""
    return load_experiment_data(
        experiment, scale, preset.dataset, data_home, n_train=preset.n_train,
        n_test=preset.n_test, random_state=random_state, mnist_format=preset.dataset == "svhn",
    )


def _svhn_test_file_in(data_home):
    return data_home is not None and any(
        (Path(data_home) / sub / "test_32x32.mat").is_file() for sub in ("svhn", ".")
    )


def load_target_domain(experiment, scale, target, data_home, n_target, random_state):
    """The transfer target of a cross-domain run as float32 ``(n, 1, 28, 28)`` images.

    ``target="auto"`` is SVHN's test set (28x28 grayscale) when ``data_home`` holds
    ``test_32x32.mat`` (or ``svhn/test_32x32.mat``), and always at paper scale, where the
    paper's SVHN numbers are compared; otherwise scikit-learn's digits rescaled to 28x28.

    Returns
    -------
    :class:`~sklearn.utils.Bunch`
        ``X``, ``y``, ``name`` (the target used) and ``description``.
    """
    if target == "auto":
        target = "svhn" if scale == "paper" or _svhn_test_file_in(data_home) else "digits28"
    if target == "svhn":
        try:
            digits = load_svhn(data_home=data_home, subset="test")
        except FileNotFoundError as exc:
            if scale != "paper":
                raise
            raise _paper_refusal(experiment, "svhn", exc) from None
        images = to_mnist_format(digits.images)
        description = "SVHN test set, 28x28 grayscale"
    elif target == "digits28":
        digits = load_digits_28()
        images = digits.images
        description = "scikit-learn digits rescaled to 28x28 (SVHN not available)"
    else:
        raise ValueError(f"target must be 'auto', 'svhn' or 'digits28'; got {target!r}.")
    images, labels = stratified_subsample(images, digits.target, n_target,
                                          random_state=random_state)
    return Bunch(X=as_nchw(images), y=labels, name=target, description=description)
