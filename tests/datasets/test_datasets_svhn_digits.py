import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.io import savemat

from sktopo.datasets import (
    GRAY_WEIGHTS,
    as_nchw,
    load_digits_28,
    load_svhn,
    resize_images,
    to_mnist_format,
)


def _write_svhn(path, n, seed=0, labels=None):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 256, size=(32, 32, 3, n), dtype=np.uint8)
    y = rng.integers(1, 11, size=(n, 1)).astype(np.uint8) if labels is None else labels
    savemat(path, {"X": X, "y": y})
    return X, y


def test_load_svhn_layout_and_labels(tmp_path):
    labels = np.array([[10], [1], [9], [10]], dtype=np.uint8)
    X, _ = _write_svhn(tmp_path / "train_32x32.mat", 4, labels=labels)
    X_test, y_test = _write_svhn(tmp_path / "test_32x32.mat", 3, seed=1)
    bunch = load_svhn(tmp_path)
    assert bunch.images.shape == (4, 32, 32, 3) and bunch.images.dtype == np.uint8
    np.testing.assert_array_equal(bunch.images[2], X[:, :, :, 2])
    np.testing.assert_array_equal(bunch.target, [0, 1, 9, 0])
    assert bunch.target.dtype == np.int64
    images, target = load_svhn(tmp_path, subset="all", return_X_y=True)
    assert len(images) == 7
    np.testing.assert_array_equal(target[4:], np.where(y_test[:, 0] == 10, 0, y_test[:, 0]))
    # A single file can be named directly.
    Xf, _ = load_svhn(tmp_path / "test_32x32.mat", return_X_y=True)
    np.testing.assert_array_equal(Xf, np.transpose(X_test, (3, 0, 1, 2)))


def test_load_svhn_data_home(tmp_path):
    (tmp_path / "svhn").mkdir()
    _write_svhn(tmp_path / "svhn" / "test_32x32.mat", 2)
    assert load_svhn(data_home=tmp_path, subset="test").images.shape == (2, 32, 32, 3)


def test_load_svhn_missing(tmp_path):
    _write_svhn(tmp_path / "train_32x32.mat", 2)
    with pytest.raises(FileNotFoundError, match="test_32x32.mat"):
        load_svhn(tmp_path, subset="all")
    with pytest.raises(ValueError, match="subset"):
        load_svhn(tmp_path, subset="valid")


@pytest.mark.parametrize(
    "payload,match",
    [
        ({"X": np.zeros((28, 28, 3, 2), np.uint8), "y": np.ones((2, 1))}, "32, 32, 3"),
        ({"X": np.zeros((32, 32, 3, 2), np.uint8), "y": np.ones((3, 1))}, "'y'"),
        ({"X": np.zeros((32, 32, 3, 2), np.uint8), "y": np.array([[1], [11]])}, "1-10"),
        ({"X": np.zeros((32, 32, 3, 2), np.uint8), "y": np.array([[1.5], [2]])}, "whole"),
        ({"X": np.full((32, 32, 3, 2), 300.0), "y": np.ones((2, 1))}, "uint8"),
        ({"images": np.zeros(3)}, "'X' and 'y'"),
    ],
)
def test_load_svhn_bad_files(tmp_path, payload, match):
    savemat(tmp_path / "train_32x32.mat", payload)
    with pytest.raises(ValueError, match=match):
        load_svhn(tmp_path)


def test_load_svhn_not_a_mat(tmp_path):
    (tmp_path / "train_32x32.mat").write_bytes(b"garbage" * 20)
    with pytest.raises(ValueError, match="readable"):
        load_svhn(tmp_path)


def test_to_mnist_format_gray_weights():
    rng = np.random.default_rng(0)
    colours = rng.integers(0, 256, size=(5, 3))
    images = np.broadcast_to(colours[:, None, None, :], (5, 32, 32, 3)).astype(np.uint8)
    gray = to_mnist_format(images)
    assert gray.shape == (5, 28, 28) and gray.dtype == np.uint8
    expected = np.rint(colours @ np.array(GRAY_WEIGHTS))
    np.testing.assert_array_equal(gray[:, 13, 7], expected)
    np.testing.assert_array_equal(to_mnist_format(images, invert=True), 255 - gray)
    with pytest.raises(ValueError, match="3 channels"):
        to_mnist_format(np.zeros((2, 32, 32, 4)))


@settings(max_examples=25, deadline=None)
@given(
    n_in=st.integers(2, 40),
    n_out=st.integers(1, 40),
    seed=st.integers(0, 2**16),
)
def test_resize_is_a_convex_resampling(n_in, n_out, seed):
    img = np.random.default_rng(seed).uniform(0, 255, size=(2, n_in, n_in))
    out = resize_images(img, n_out)
    assert out.shape == (2, n_out, n_out)
    # Convex combinations of input pixels: range kept, constants kept.
    assert out.min() >= img.min() - 1e-9 and out.max() <= img.max() + 1e-9
    np.testing.assert_allclose(resize_images(np.full((1, n_in, n_in), 7.0), n_out), 7.0)


def test_resize_integer_factor_is_block_mean():
    img = np.random.default_rng(1).uniform(size=(3, 28, 28, 2))
    out = resize_images(img, 14)
    blocks = img.reshape(3, 14, 2, 14, 2, 2).mean(axis=(2, 4))
    np.testing.assert_allclose(out, blocks)


def test_as_nchw():
    x = np.arange(2 * 4 * 5 * 3, dtype=np.uint8).reshape(2, 4, 5, 3)
    out = as_nchw(x)
    assert out.shape == (2, 3, 4, 5) and out.dtype == np.float32
    np.testing.assert_allclose(out[1, 2, 3, 4], x[1, 3, 4, 2] / 255)
    assert as_nchw(x[..., 0], scale=False).max() == x[..., 0].max()


def test_digits_28_look_like_mnist():
    from sklearn.datasets import load_digits

    bunch = load_digits_28()
    digits = load_digits()
    assert bunch.images.shape == (1797, 28, 28) and bunch.images.dtype == np.uint8
    np.testing.assert_array_equal(bunch.target, digits.target)
    assert bunch.images.max() == 255
    # Ink stays in the central 20x20 box region and the centre of mass is near (14, 14).
    imgs = bunch.images.astype(float)
    mass = imgs.sum(axis=(1, 2))
    rows, cols = np.indices((28, 28))
    r = (imgs * rows).sum(axis=(1, 2)) / mass
    c = (imgs * cols).sum(axis=(1, 2)) / mass
    assert np.all(np.abs(r - 14) <= 1.0) and np.all(np.abs(c - 14) <= 1.0)
    assert (bunch.images > 0).sum(axis=(1, 2)).max() <= 400
    # The same digit: downsampling back to 8x8 correlates with the source image.
    back = resize_images(bunch.images[:50, 4:24, 4:24].astype(float), 8)
    corr = [np.corrcoef(a.ravel(), b.ravel())[0, 1] for a, b in zip(back, digits.images[:50])]
    assert np.median(corr) > 0.8


def test_digits_28_parameters():
    X, _ = load_digits_28(box=16, size=20, return_X_y=True)
    assert X.shape == (1797, 20, 20)
    with pytest.raises(ValueError, match="box"):
        load_digits_28(box=30)
    with pytest.raises(ValueError, match="size"):
        load_digits_28(size=0)
