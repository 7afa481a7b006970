"""load_train_test: every data set as a Bunch of network-ready training and test images."""

import numpy as np
import pytest
from sklearn.utils import Bunch

from sktopo.datasets import load_train_test

from tests.datasets.test_datasets_mnist import _fake_mnist


def test_subset_is_a_stratified_split_of_float_images():
    data = load_train_test("mnist_subset", n_train=500, n_test=200, random_state=0)
    assert isinstance(data, Bunch)
    assert set(data) == {"X_train", "y_train", "X_test", "y_test", "description"}
    assert data.X_train.shape == (500, 1, 28, 28) and data.X_test.shape == (200, 1, 28, 28)
    assert data.X_train.dtype == np.float32
    assert 0 <= data.X_train.min() and data.X_train.max() <= 1
    assert np.bincount(data.y_train, minlength=10).min() >= 45  # 50 per digit, stratified
    assert np.bincount(data.y_test, minlength=10).tolist() == [20] * 10
    assert "subset" in data.description


def test_subset_holds_out_1000_images_by_default_and_is_seeded():
    data = load_train_test("mnist_subset")
    assert len(data.X_test) == 1000 and len(data.X_train) == 4000
    again = load_train_test("mnist_subset", n_train=300, n_test=100, random_state=1)
    same = load_train_test("mnist_subset", n_train=300, n_test=100, random_state=1)
    np.testing.assert_array_equal(again.X_train, same.X_train)


def test_mnist_files_keep_their_own_split(tmp_path):
    (tmp_path / "mnist").mkdir()
    raw = _fake_mnist(tmp_path / "mnist", n_train=30, n_test=20)
    data = load_train_test("mnist", tmp_path, n_test=None)
    np.testing.assert_array_equal(data.X_train[:, 0], raw["train"][0] / np.float32(255))
    np.testing.assert_array_equal(data.y_test, raw["test"][1])
    assert data.description == "MNIST (IDX files)"


@pytest.mark.parametrize("dataset, folder, files", [
    ("mnist", "mnist", ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]),
    ("svhn", "svhn", ["train_32x32.mat", "test_32x32.mat"]),
    ("cifar10", "cifar10", ["cifar-10-python.tar.gz", "cifar10-images-jpg.tar.xz"]),
])
def test_missing_files_are_named_with_their_folder(dataset, folder, files, tmp_path):
    with pytest.raises(FileNotFoundError) as err:
        load_train_test(dataset, tmp_path)
    message = str(err.value)
    assert str(tmp_path / folder) in message and all(f in message for f in files)
    assert "SKTOPO_DATA" in message


def test_svhn_in_mnist_format(tmp_path):
    from scipy.io import savemat

    rng = np.random.default_rng(0)
    (tmp_path / "svhn").mkdir()
    for split, n in (("train", 30), ("test", 20)):
        X = rng.integers(0, 256, size=(32, 32, 3, n), dtype=np.uint8)
        y = (np.arange(n) % 10 + 1).reshape(-1, 1)  # labels 1..10, 10 meaning 0
        savemat(tmp_path / "svhn" / f"{split}_32x32.mat", {"X": X, "y": y})
    colour = load_train_test("svhn", tmp_path)
    gray = load_train_test("svhn", tmp_path, n_test=10, mnist_format=True)
    assert colour.X_train.shape == (30, 3, 32, 32)
    assert gray.X_train.shape == (30, 1, 28, 28) and gray.X_test.shape == (10, 1, 28, 28)
    assert set(gray.y_train) == set(range(10))
    assert gray.description == "SVHN (.mat files) as 28x28 grayscale"


def test_unknown_dataset():
    with pytest.raises(ValueError, match="mnist_subset"):
        load_train_test("fashion")
