"""Bad input gets a clear error or a correct answer, never a hang or a silent wrong result."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import sktopo.filters._density as density_module
from sktopo.datasets import make_filter_cloud
from sktopo.filters import (
    density_filtration_indices,
    kth_neighbor_distances,
    n_kept,
    normalize_filters,
)
from sktopo.homology import (
    diagram_features,
    lazy_witness_matrix,
    maxmin_landmarks,
    pad_diagrams,
    persistence_diagrams,
    plot_barcode,
)
from sktopo.mapper import mapper_graph, nerve_betti1

CIRCLE = make_filter_cloud("primary_circle", 400, noise=0.2, random_state=0)


# --------------------------------------------------------------------------- extreme magnitudes
@pytest.mark.parametrize("scale", [1e300, 1e154, 1e-154, 1e-300])
def test_huge_and_tiny_clouds_give_the_answer_of_the_unit_cloud(scale):
    X = CIRCLE * scale
    np.testing.assert_array_equal(density_filtration_indices(X, 15, 0.3),
                                  density_filtration_indices(CIRCLE, 15, 0.3))
    np.testing.assert_allclose(kth_neighbor_distances(X, 5) / scale,
                               kth_neighbor_distances(CIRCLE, 5), rtol=1e-12)
    np.testing.assert_array_equal(maxmin_landmarks(X, 30), maxmin_landmarks(CIRCLE, 30))
    landmarks = maxmin_landmarks(CIRCLE, 30)
    np.testing.assert_allclose(lazy_witness_matrix(X, landmarks) / scale,
                               lazy_witness_matrix(CIRCLE, landmarks), rtol=1e-12)
    for a, b in zip(persistence_diagrams(X, n_landmarks=30),
                    persistence_diagrams(CIRCLE, n_landmarks=30)):
        np.testing.assert_allclose(a / scale, b, rtol=1e-6)  # ripser rounds to float32
    assert nerve_betti1(mapper_graph(X, 8, 2)) == nerve_betti1(mapper_graph(CIRCLE, 8, 2))


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, (60, 3), elements=st.floats(-1e308, 1e308, allow_nan=False)),
       st.integers(1, 20), st.floats(0.05, 0.95))
def test_density_retry_terminates_on_any_finite_cloud(X, k, p):
    # The pilot-and-retry path normally starts above 5,000 points; force it on 60.
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(density_module, "_SMALL_CLOUD", 10)
        mp.setattr(density_module, "_PILOT_SIZE", 20)
        kept = density_filtration_indices(X, k, p)
    assert len(kept) == n_kept(60, p) and len(np.unique(kept)) == len(kept)


# --------------------------------------------------------------------------- wrong kinds of data
@pytest.mark.parametrize("bad, kind", [
    (CIRCLE.astype(complex), "complex"),
    (CIRCLE.astype(str), "real numbers"),
    (CIRCLE > 0, "real numbers"),
    ([[1.0, 2.0], [3.0]], "2-D array of numbers"),
])
def test_non_real_clouds_are_refused(bad, kind):
    for call in (lambda: normalize_filters(bad), lambda: density_filtration_indices(bad, 3, 0.5),
                 lambda: persistence_diagrams(bad, n_landmarks=5)):
        with pytest.raises(TypeError, match=kind):
            call()


@pytest.mark.parametrize("rtol", [-1, float("nan"), True])
def test_bad_tolerances_are_refused(rtol):
    with pytest.raises(ValueError, match="'rtol' parameter of normalize_filters"):
        normalize_filters(CIRCLE, rtol=rtol)


def test_counts_and_thresholds():
    with pytest.raises(ValueError, match="'n_points' parameter of n_kept"):
        n_kept(0, 0.5)
    with pytest.raises(ValueError, match="'min_lifetime' parameter of diagram_features"):
        diagram_features(np.zeros((1, 2, 3)), min_lifetime=-1)
    with pytest.raises(ValueError, match="'k' parameter"):
        density_filtration_indices(CIRCLE, True, 0.5)


def test_diagram_rows_of_the_wrong_width_are_refused():
    with pytest.raises(ValueError, match=r"\(n_pairs, 2\).*got \(4, 3\)"):
        pad_diagrams([[np.zeros((4, 3))]])


def test_nan_bars_are_not_drawn():
    with pytest.raises(ValueError, match="NaN"):
        plot_barcode([np.array([[0.0, np.nan]]), np.array([[0.1, 0.5]])])


# --------------------------------------------------------------------------- weight files
@pytest.fixture()
def npz_bytes(tmp_path):
    path = tmp_path / "good.npz"
    np.savez(path, conv1=np.random.default_rng(0).normal(size=(8, 2, 3, 3)))
    return path.read_bytes()


@pytest.mark.parametrize("damage, message", [
    (lambda b: b[: len(b) // 2], "not an .npz archive"),
    (lambda b: b"", "not an .npz archive"),
    (lambda b: b"just some text", "not an .npz archive"),
    (lambda b: b[:300] + bytes([b[300] ^ 0xFF]) + b[301:], "CRC"),
])
def test_damaged_npz_files_get_one_clear_message(tmp_path, npz_bytes, damage, message):
    from sktopo.filters import extract_spatial_filters

    path = tmp_path / "weights.npz"
    path.write_bytes(damage(npz_bytes))
    with pytest.raises(ValueError, match=message) as err:
        extract_spatial_filters(path)
    assert str(path) in str(err.value) and "allow_pickle=True" not in str(err.value)


def test_object_and_complex_npz_weights_are_refused(tmp_path):
    from sktopo.filters import extract_spatial_filters

    np.savez(tmp_path / "obj.npz", conv1=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="object arrays") as err:
        extract_spatial_filters(tmp_path / "obj.npz")
    assert "allow_pickle=True" not in str(err.value)
    np.savez(tmp_path / "cplx.npz", conv1=np.ones((8, 2, 3, 3)) + 1j)
    with pytest.raises(TypeError, match="complex"):
        extract_spatial_filters(tmp_path / "cplx.npz")


def test_a_corrupted_checkpoint_is_not_loaded_silently(tmp_path):
    torch = pytest.importorskip("torch")
    from sktopo.filters import extract_spatial_filters

    path = tmp_path / "model.pt"
    torch.save({"conv.weight": torch.randn(16, 4, 3, 3)}, path)
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF  # one byte inside the stored tensor
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="corrupted|damaged"):
        extract_spatial_filters(path)


def test_low_precision_and_quantised_tensors_are_read(tmp_path):
    torch = pytest.importorskip("torch")
    from sktopo.filters import extract_spatial_filters

    weight = torch.randn(4, 2, 3, 3)
    half = extract_spatial_filters({"c.weight": weight.to(torch.bfloat16)})
    np.testing.assert_allclose(half, weight.reshape(8, 9).numpy(), atol=0.05)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # newer torch deprecates quantised tensors
        q = torch.quantize_per_tensor(weight, 0.05, 0, torch.qint8)
    np.testing.assert_allclose(extract_spatial_filters({"c.weight": q}),
                               q.dequantize().reshape(8, 9).numpy())


# --------------------------------------------------------------------------- training guards
@pytest.fixture(scope="module")
def digits():
    rng = np.random.default_rng(0)
    X = rng.random((128, 1, 12, 12), dtype=np.float32)
    return X, np.arange(128) % 10


def test_images_beyond_float32_are_refused(digits):
    from sktopo.nn import make_net

    X, y = digits
    with pytest.raises(ValueError, match="beyond float32"):
        make_net("M", (4, 0, 8), max_iter=2).fit(X.astype(np.float64) * 1e300, y)


def test_a_diverging_run_stops_with_advice(digits):
    from sktopo.nn import make_net, train_many

    X, y = digits
    with pytest.raises(FloatingPointError, match="diverged.*learning rate"):
        make_net("M", (4, 0, 8), max_iter=30, lr=1e30, batch_size=32).fit(X, y)
    config = {"arch": "M", "sizes": (4, 0, 8), "max_iter": 30, "lr": 1e30, "batch_size": 32}
    with pytest.raises(FloatingPointError, match=r"networks \[0, 1\]"):
        train_many(config, 2, X, y, batched=True)


def test_labels_are_checked_in_every_mode_and_for_validation(digits):
    from sktopo.nn import AccuracyRecorder, make_net, train_many

    X, y = digits
    config = {"arch": "M", "sizes": (4, 0, 8), "max_iter": 2}
    bad = y.copy()
    bad[0] = 12
    for batched in (False, True):
        with pytest.raises(ValueError, match=r"0\.\.9"):
            train_many(config, 1, X, bad, batched=batched)
        with pytest.raises(ValueError, match=r"0\.\.9"):
            train_many(config, 1, X, y, X_valid=X, y_valid=bad, batched=batched)
    net = make_net("M", (4, 0, 8), max_iter=2,
                   callbacks=[("acc", AccuracyRecorder(X, bad, every=1))])
    with pytest.raises(ValueError, match=r"0\.\.9"):
        net.fit(X, y)


def test_predictions_refuse_nan_images_and_other_sizes(digits):
    from sktopo.nn import make_net

    X, y = digits
    net = make_net("M", (4, 0, 8), max_iter=2).fit(X, y)
    with pytest.raises(ValueError, match="NaN"):
        net.predict(np.full_like(X[:4], np.nan))
    with pytest.raises(ValueError, match=r"\(20, 20\) images"):
        net.predict(np.zeros((4, 1, 20, 20), dtype=np.float32))


@pytest.mark.parametrize("sizes", [None, (8, 16), (8, -1, 4), (8.5, 0, 4), "64,0,64"])
def test_bad_sizes_show_the_expected_form(sizes):
    from sktopo.nn import make_net

    with pytest.raises(ValueError, match=r"sizes must be \(X, Y, Z\)"):
        make_net("M", sizes)


def test_quantised_codes_outside_their_table_are_refused():
    from sktopo.filters import extract_spatial_filters

    table = np.linspace(-1, 1, 256)
    good = {"c_W_q": np.zeros((2, 1, 3, 3), dtype=np.uint8) + 7, "c_W_table": table}
    np.testing.assert_allclose(extract_spatial_filters(good), table[7])
    for codes in (np.full((2, 1, 3, 3), -1, dtype=np.int16), np.full((2, 1, 3, 3), 300)):
        with pytest.raises(ValueError, match="outside their 256-entry table"):
            extract_spatial_filters({"c_W_q": codes, "c_W_table": table})
    with pytest.raises(TypeError, match="integer codes"):
        extract_spatial_filters({"c_W_q": np.full((2, 1, 3, 3), 1.5), "c_W_table": table})
