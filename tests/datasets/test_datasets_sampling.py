"""Stratified subsamples and label noise (``sktopo.datasets``)."""

import numpy as np
import pytest

from sktopo.datasets import load_train_test, noisy_labels, stratified_subsample


# --------------------------------------------------------------------------- subsamples
def test_subsample_keeps_every_class_in_proportion():
    y = np.repeat(np.arange(4), [60, 20, 15, 5])  # sorted by class, unbalanced
    X = np.arange(len(y) * 3).reshape(len(y), 3)
    X_kept, y_kept = stratified_subsample(X, y, 20, random_state=0)
    assert X_kept.shape == (20, 3)
    assert np.bincount(y_kept).tolist() == [12, 4, 3, 1]
    rows = {tuple(r) for r in X}
    assert all(tuple(r) in rows for r in X_kept)  # rows stay with their labels
    assert np.array_equal(y[X_kept[:, 0] // 3], y_kept)


def test_subsample_of_all_or_more_keeps_everything_in_order():
    X, y = np.arange(10), np.arange(10) % 2
    for n in (None, 10, 50):
        X_kept, y_kept = stratified_subsample(X, y, n, random_state=0)
        assert np.array_equal(X_kept, X) and np.array_equal(y_kept, y)


def test_subsample_repeats_for_a_seed_and_advances_a_random_state():
    X, y = np.arange(200), np.arange(200) % 5
    first = stratified_subsample(X, y, 30, random_state=1)[0]
    assert np.array_equal(first, stratified_subsample(X, y, 30, random_state=1)[0])
    rng = np.random.RandomState(1)
    assert np.array_equal(stratified_subsample(X, y, 30, random_state=rng)[0], first)
    assert not np.array_equal(stratified_subsample(X, y, 30, random_state=rng)[0], first)


def test_load_train_test_draws_through_it():
    data = load_train_test("mnist_subset", n_train=100, n_test=50, random_state=0)
    assert np.bincount(data.y_train, minlength=10).tolist() == [10] * 10


@pytest.mark.parametrize("X, y", [(np.zeros((5, 2)), np.arange(4)),
                                  (np.zeros((4, 2)), np.zeros((4, 1))),
                                  (np.zeros((3, 2)), [0, 1])])
def test_subsample_refuses_samples_that_do_not_match_the_labels(X, y):
    with pytest.raises(ValueError, match="X must hold one sample per label of the 1-D y"):
        stratified_subsample(X, y, 2)


def test_subsample_refuses_a_bad_count():
    with pytest.raises(ValueError, match="n_samples"):
        stratified_subsample(np.arange(4), np.arange(4) % 2, 0)


# --------------------------------------------------------------------------- label noise
def test_noisy_labels_flip_the_fraction_asked_to_other_classes_nested():
    y = np.arange(200) % 10
    low, high = noisy_labels(y, 0.1, random_state=1), noisy_labels(y, 0.3, random_state=1)
    assert (low != y).sum() == 20 and (high != y).sum() == 60
    assert set(np.flatnonzero(low != y)) <= set(np.flatnonzero(high != y))
    assert np.array_equal(noisy_labels(y, 0.0), y) and high.min() >= 0 and high.max() <= 9
    assert (noisy_labels(y, 1.0) != y).all()


def test_noisy_labels_reach_every_other_class_and_keep_y():
    y = np.zeros(3000, dtype=np.int32)
    noisy = noisy_labels(y, 1.0, n_classes=4, random_state=0)
    assert noisy.dtype == np.int32 and (y == 0).all()
    counts = np.bincount(noisy, minlength=4)
    assert counts[0] == 0 and counts[1:].min() > 900


@pytest.mark.parametrize("y, error, match", [
    (np.array(["a", "b"]), TypeError, "integer class labels"),
    (np.array([0.5, 1.0]), TypeError, "integer class labels"),
    (np.arange(4).reshape(2, 2), TypeError, "1-D array"),
    (np.array([-1, 2]), ValueError, r"labels 0\.\.9"),
    (np.array([3, 10]), ValueError, r"labels 0\.\.9"),
])
def test_noisy_labels_refuse_labels_that_are_not_classes(y, error, match):
    with pytest.raises(error, match=match):
        noisy_labels(y, 0.5)


@pytest.mark.parametrize("kwargs", [{"fraction": 1.5}, {"fraction": -0.1},
                                    {"fraction": 0.5, "n_classes": 1}])
def test_noisy_labels_refuse_bad_settings(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs.keys() - {"fraction"}), "fraction")):
        noisy_labels(np.arange(4), **kwargs)
