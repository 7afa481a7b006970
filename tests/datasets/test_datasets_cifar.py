import io
import os
import pickle
import tarfile

import numpy as np
import pytest

from sktopo.datasets import CIFAR10_CLASSES, load_cifar10
from sktopo.datasets import _cifar

PIL = pytest.importorskip("PIL.Image")

BATCHES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]


def _batch(n, seed, bytes_keys):
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
    labels = [int(v) for v in rng.integers(0, 10, size=n)]
    if bytes_keys:  # the official batches were pickled by Python 2: keys are bytes
        return {b"batch_label": b"x", b"data": data, b"labels": labels, b"filenames": [b"a"] * n}
    return {"data": data, "labels": labels}


def _write_batches(folder, n=4, protocol=2, bytes_keys=True):
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for i, name in enumerate(BATCHES):
        d = _batch(n, i, bytes_keys)
        (folder / name).write_bytes(pickle.dumps(d, protocol=protocol))
        out[name] = d
    return out


def _expected(batches, names):
    key = b"data" if b"data" in batches[names[0]] else "data"
    lkey = b"labels" if key == b"data" else "labels"
    data = np.concatenate([batches[b][key] for b in names])
    labels = np.concatenate([batches[b][lkey] for b in names])
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), labels


@pytest.mark.parametrize("protocol,bytes_keys", [(2, True), (2, False), (4, False), (5, True)])
def test_python_batches(tmp_path, protocol, bytes_keys):
    batches = _write_batches(tmp_path / "cifar-10-batches-py", protocol=protocol,
                             bytes_keys=bytes_keys)
    X, y = load_cifar10(tmp_path, return_X_y=True)
    X_exp, y_exp = _expected(batches, BATCHES[:5])
    np.testing.assert_array_equal(X, X_exp)
    np.testing.assert_array_equal(y, y_exp)
    assert X.shape == (20, 32, 32, 3) and X.dtype == np.uint8 and y.dtype == np.int64
    bunch = load_cifar10(tmp_path, subset="all")
    assert len(bunch.images) == 24 and list(bunch.target_names) == list(CIFAR10_CLASSES)


def test_channel_layout(tmp_path):
    folder = tmp_path / "b"
    folder.mkdir()
    plane = np.repeat(np.arange(1, 4, dtype=np.uint8), 1024)  # R=1, G=2, B=3 planes
    for name in BATCHES:
        d = {b"data": plane[None, :].repeat(2, 0), b"labels": [3, 4]}
        (folder / name).write_bytes(pickle.dumps(d, protocol=2))
    X, y = load_cifar10(folder, subset="test", return_X_y=True)
    np.testing.assert_array_equal(X[0, 5, 7], [1, 2, 3])
    np.testing.assert_array_equal(y, [3, 4])


class _Evil:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.remove, (self.path,))


def test_malicious_pickle_is_refused(tmp_path):
    folder = tmp_path / "b"
    _write_batches(folder)
    marker = tmp_path / "marker"
    marker.write_text("still here")
    evil = {b"data": _Evil(str(marker)), b"labels": []}
    (folder / "data_batch_3").write_bytes(pickle.dumps(evil, protocol=2))
    with pytest.raises(ValueError, match="refusing to load global"):
        load_cifar10(folder)
    assert marker.exists()


def test_codecs_only_latin1(tmp_path):
    import _codecs

    class _Codec:
        def __reduce__(self):
            return (_codecs.encode, ("abc", "rot13"))

    raw = pickle.dumps({"data": _Codec(), "labels": []}, protocol=2)
    with pytest.raises(ValueError, match="latin1"):
        _cifar._load_batch_bytes(raw, "x")


@pytest.mark.parametrize(
    "payload,match",
    [
        ({"data": np.zeros((2, 3072), np.float32), "labels": [0, 1]}, "uint8"),
        ({"data": np.zeros((2, 100), np.uint8), "labels": [0, 1]}, "3072"),
        ({"data": np.zeros((2, 3072), np.uint8), "labels": [0]}, "labels"),
        ({"data": np.zeros((2, 3072), np.uint8), "labels": [0, 11]}, "0-9"),
        ({"labels": [0]}, "'data' and 'labels'"),
        ([1, 2], "dict"),
    ],
)
def test_bad_batches(payload, match):
    with pytest.raises(ValueError, match=match):
        _cifar._load_batch_bytes(pickle.dumps(payload, protocol=2), "x")


def test_truncated_batch(tmp_path):
    raw = pickle.dumps(_batch(3, 0, True), protocol=2)
    with pytest.raises(ValueError, match="not a readable"):
        _cifar._load_batch_bytes(raw[: len(raw) // 2], "x")


def test_official_tar_gz_of_batches(tmp_path):
    batches = _write_batches(tmp_path / "src" / "cifar-10-batches-py")
    archive = tmp_path / "cifar-10-python.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(tmp_path / "src" / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    X, y = load_cifar10(archive, subset="test", return_X_y=True, cache=False)
    X_exp, y_exp = _expected(batches, ["test_batch"])
    np.testing.assert_array_equal(X, X_exp)
    np.testing.assert_array_equal(y, y_exp)
    # Found from the data home as well.
    home = tmp_path / "home" / "cifar10"
    home.mkdir(parents=True)
    archive.rename(home / archive.name)
    X2, _ = load_cifar10(data_home=tmp_path / "home", subset="test", return_X_y=True)
    np.testing.assert_array_equal(X2, X_exp)


def _write_image_tree(root, classes, names_per_class, seed=0):
    rng = np.random.default_rng(seed)
    truth = {}
    for split in ("train", "test"):
        for cls in classes:
            d = root / split / cls
            d.mkdir(parents=True)
            for name in names_per_class:
                img = rng.integers(0, 256, size=(32, 32, 3), dtype=np.uint8)
                PIL.fromarray(img).save(d / name)  # PNG: lossless, so pixels compare exactly
                truth[(split, cls, name)] = img
    return truth


def test_image_folder_order_and_limit(tmp_path):
    classes = ["truck", "airplane", "cat"]
    names = ["10.png", "2.png", "1.png"]
    truth = _write_image_tree(tmp_path / "imgs", classes, names)
    bunch = load_cifar10(tmp_path / "imgs", cache=False)
    # Not the ten CIFAR names, so classes are sorted; files in natural order 1, 2, 10.
    assert list(bunch.target_names) == ["airplane", "cat", "truck"]
    np.testing.assert_array_equal(bunch.target, np.repeat([0, 1, 2], 3))
    np.testing.assert_array_equal(bunch.images[0], truth[("train", "airplane", "1.png")])
    np.testing.assert_array_equal(bunch.images[2], truth[("train", "airplane", "10.png")])
    X, y = load_cifar10(tmp_path / "imgs", n_per_class=2, subset="test", return_X_y=True,
                        cache=False)
    assert len(X) == 6
    np.testing.assert_array_equal(X[1], truth[("test", "airplane", "2.png")])


def test_official_class_order_from_folders(tmp_path):
    _write_image_tree(tmp_path / "imgs", list(CIFAR10_CLASSES)[::-1], ["0001.png"])
    bunch = load_cifar10(tmp_path / "imgs", cache=False)
    assert list(bunch.target_names) == list(CIFAR10_CLASSES)
    np.testing.assert_array_equal(bunch.target, np.arange(10))


def test_tar_xz_of_images_and_cache(tmp_path, monkeypatch):
    classes = ["dog", "frog"]
    truth = _write_image_tree(tmp_path / "imgs", classes, ["0000.png", "0001.png", "0002.png"])
    archive = tmp_path / "cifar-small.tar.xz"
    with tarfile.open(archive, "w:xz") as tar:
        tar.add(tmp_path / "imgs" / "train", arcname="train")
        tar.add(tmp_path / "imgs" / "test", arcname="test")
    home = tmp_path / "home"
    X, y = load_cifar10(archive, data_home=home, n_per_class=2, return_X_y=True)
    np.testing.assert_array_equal(X[2], truth[("train", "frog", "0000.png")])
    np.testing.assert_array_equal(y, [0, 0, 1, 1])
    caches = list((home / "cifar10" / "cache").glob("*.npz"))
    assert len(caches) == 1 and not list((home / "cifar10" / "cache").glob("*.tmp*"))

    def _fail(*args, **kwargs):
        raise AssertionError("the cache should have been used")

    monkeypatch.setattr(_cifar, "_read_tar", _fail)
    X2, y2 = load_cifar10(archive, data_home=home, n_per_class=2, return_X_y=True)
    np.testing.assert_array_equal(X2, X)
    np.testing.assert_array_equal(y2, y)
    # A different limit is a different cache entry, and cache=False never touches it.
    with pytest.raises(AssertionError, match="cache"):
        load_cifar10(archive, data_home=home, n_per_class=1)
    with pytest.raises(AssertionError, match="cache"):
        load_cifar10(archive, data_home=home, n_per_class=2, cache=False)


def test_not_an_image(tmp_path):
    d = tmp_path / "imgs" / "train" / "cat"
    d.mkdir(parents=True)
    (d / "0.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(ValueError, match="not a readable image"):
        load_cifar10(tmp_path / "imgs", cache=False)


def test_wrong_image_size(tmp_path):
    d = tmp_path / "imgs" / "train" / "cat"
    d.mkdir(parents=True)
    PIL.fromarray(np.zeros((8, 8, 3), np.uint8)).save(d / "0.png")
    with pytest.raises(ValueError, match="32x32"):
        load_cifar10(tmp_path / "imgs", cache=False)


def test_missing_and_partial(tmp_path):
    with pytest.raises(FileNotFoundError, match="data_batch_1"):
        load_cifar10(tmp_path)
    folder = tmp_path / "b"
    folder.mkdir()
    (folder / "test_batch").write_bytes(pickle.dumps(_batch(2, 0, True), protocol=2))
    assert len(load_cifar10(folder, subset="test").images) == 2
    with pytest.raises(FileNotFoundError, match="data_batch_1"):
        load_cifar10(folder, subset="train")


def test_bad_archive(tmp_path):
    f = tmp_path / "cifar.tar.xz"
    f.write_bytes(b"garbage")
    with pytest.raises(ValueError, match="tar"):
        load_cifar10(f)
    with tarfile.open(f, "w:xz") as tar:
        info = tarfile.TarInfo("readme.txt")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"hi"))
    with pytest.raises(ValueError, match="neither"):
        load_cifar10(f)


@pytest.mark.parametrize("bad,exc", [(0, ValueError), (2.5, TypeError), (True, TypeError)])
def test_bad_n_per_class(tmp_path, bad, exc):
    _write_batches(tmp_path / "b")
    with pytest.raises(exc, match="n_per_class"):
        load_cifar10(tmp_path / "b", n_per_class=bad)


def test_n_per_class_batches(tmp_path):
    batches = _write_batches(tmp_path / "b", n=40)
    X, y = load_cifar10(tmp_path / "b", n_per_class=1, return_X_y=True)
    assert np.all(np.bincount(y, minlength=10) <= 1)
    _, y_full = _expected(batches, BATCHES[:5])
    first = sorted(int(np.flatnonzero(y_full == c)[0]) for c in np.unique(y_full))
    np.testing.assert_array_equal(y, y_full[first])


@pytest.mark.slow
def test_real_cifar_archive_limited(shared_data, tmp_path):
    archive = shared_data / "cifar10" / "cifar10-images-jpg.tar.xz"
    if not archive.is_file():
        pytest.skip("real CIFAR-10 archive not available")
    bunch = load_cifar10(archive, data_home=tmp_path, n_per_class=3, subset="all")
    assert bunch.images.shape == (60, 32, 32, 3)
    assert list(bunch.target_names) == list(CIFAR10_CLASSES)
    np.testing.assert_array_equal(np.bincount(bunch.target), np.full(10, 6))
    assert 30 < bunch.images.mean() < 220  # real photos, not blank
