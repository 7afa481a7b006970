import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from sktopo.filters import idealized_filters
from sktopo.nn import (
    AppendedFilters,
    CifarPreprocess,
    CNet,
    MNet,
    SamePool2d,
    center_crop,
    check_images,
    per_image_standardization,
    random_crop_flip,
    to_grayscale,
)


def _convs(module):
    return [m for m in module.modules() if isinstance(m, torch.nn.Conv2d)]


@pytest.mark.parametrize("sizes", [(64, 32, 64), (8, 0, 16), (0, 4, 8), (4, 4, 0), (0, 0, 5)])
@pytest.mark.parametrize("cls", [MNet, CNet])
def test_blocks_follow_sizes(cls, sizes):
    X, Y, Z = sizes
    net = cls(*sizes, input_shape=(1, 28, 28), random_state=0)
    convs = _convs(net)
    assert [c.out_channels for c in convs] == [d for d in (X, Y) if d]
    for c in convs:
        assert c.kernel_size == (3, 3) and c.padding == (1, 1)
    linears = [m for m in net.modules() if isinstance(m, torch.nn.Linear)]
    assert linears[-1].out_features == 10
    assert len(linears) == (2 if Z else 1)
    assert net(torch.zeros(2, 1, 28, 28)).shape == (2, 10)


def test_m_net_is_table_one():
    net = MNet(64, 32, 64, input_shape=(1, 28, 28))
    # 28 -> 14 -> 7 with SAME pooling: the dense layer sees 32 * 7 * 7 values.
    assert net.head.fc.in_features == 32 * 7 * 7
    assert isinstance(net.head.dropout, torch.nn.Dropout) and net.head.dropout.p == 0.5
    assert not any(isinstance(m, torch.nn.LocalResponseNorm) for m in net.modules())


def test_c_net_is_table_two():
    net = CNet(64, 32, 64, input_shape=(3, 24, 24))
    lrns = [m for m in net.modules() if isinstance(m, torch.nn.LocalResponseNorm)]
    assert len(lrns) == 2
    assert all((m.size, m.alpha, m.beta, m.k) == (9, 0.001, 0.75, 1.0) for m in lrns)
    pools = [m for m in net.modules() if isinstance(m, SamePool2d)]
    assert [(p.kernel_size, p.stride) for p in pools] == [(3, 2), (2, 1)]
    # 24 -> 12 (3x3 stride 2) -> 12 (2x2 stride 1, SAME).
    assert net.head.fc.in_features == 32 * 12 * 12
    assert not any(isinstance(m, torch.nn.Dropout) for m in net.modules())


@pytest.mark.parametrize("shape", [(5, 28, 28), (5, 1, 28, 28), (5, 784)])
def test_input_layouts_agree(shape):
    net = MNet(4, 0, 8, input_shape=(1, 28, 28), random_state=0).eval()
    x = torch.rand(5, 1, 28, 28)
    assert torch.allclose(net(x.reshape(shape)), net(x))


@pytest.mark.parametrize("size", [7, 8, 13, 28, 31])
def test_same_pool_matches_tensorflow_rule(size):
    x = torch.rand(2, 3, size, size)
    for k, s in [(2, 2), (3, 2), (2, 1)]:
        out = SamePool2d(k, s)(x)
        assert out.shape[-1] == -(-size // s)
        # Every output is the max over its window clipped to the image, never a padding value.
        assert torch.isfinite(out).all()
        assert out.max() <= x.max()


def test_lazy_dense_layer_any_input_size():
    net = MNet(4, 3, 8, in_channels=3, random_state=0)
    assert net(torch.rand(2, 3, 20, 17)).shape == (2, 10)


def test_float64_and_uint8_images_are_cast():
    net = MNet(4, 0, 8, input_shape=(1, 8, 8), random_state=0).eval()
    x = torch.randint(0, 255, (3, 1, 8, 8), dtype=torch.uint8)
    assert torch.allclose(net(x), net(x.float()))
    assert net(x.double()).dtype == torch.float32


def test_grayscale_weights():
    rgb = np.zeros((1, 3, 2, 2))
    rgb[0, 0], rgb[0, 1], rgb[0, 2] = 1.0, 2.0, 3.0
    expected = 0.2989 + 2 * 0.5870 + 3 * 0.1140
    assert np.allclose(to_grayscale(rgb), expected)
    assert np.allclose(to_grayscale(np.moveaxis(rgb, 1, -1), channel_axis=-1), expected)
    assert torch.allclose(to_grayscale(torch.as_tensor(rgb)), torch.tensor(expected,
                                                                          dtype=torch.float64))
    with pytest.raises(ValueError, match="3 colour channels"):
        to_grayscale(np.zeros((1, 2, 4, 4)))


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000), st.floats(1.0, 100), st.floats(-50, 50))
def test_per_image_standardization_invariants(seed, scale, shift):
    x = torch.rand(3, 2, 5, 5, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    z = per_image_standardization(x)
    flat = z.reshape(3, -1)
    assert torch.allclose(flat.mean(1), torch.zeros(3, dtype=torch.float64), atol=1e-9)
    assert torch.allclose(flat.std(1, unbiased=False), torch.ones(3, dtype=torch.float64))
    # Invariant to the brightness and contrast of each image (while the std stays above
    # TensorFlow's floor 1/sqrt(N): uniform pixels have std ~0.29 > 1/sqrt(50)).
    assert torch.allclose(per_image_standardization(x * scale + shift), z, atol=1e-8)


def test_constant_image_standardizes_to_zero():
    assert torch.equal(per_image_standardization(torch.full((1, 1, 4, 4), 7.0)),
                       torch.zeros(1, 1, 4, 4))


def test_random_crop_flip_are_crops_of_the_input():
    torch.manual_seed(0)
    x = torch.rand(16, 3, 32, 32)
    out = random_crop_flip(x, 24)
    assert out.shape == (16, 3, 24, 24)
    n_flipped = 0
    for i in range(16):
        found = None
        for top in range(9):
            for left in range(9):
                crop = x[i, :, top:top + 24, left:left + 24]
                if torch.equal(out[i], crop):
                    found = "plain"
                elif torch.equal(out[i], crop.flip(-1)):
                    found = "flipped"
        assert found is not None
        n_flipped += found == "flipped"
    assert 0 < n_flipped < 16
    assert torch.equal(center_crop(x, 24), x[..., 4:28, 4:28])


def test_cifar_preprocess_train_and_eval():
    pre = CifarPreprocess()
    x = torch.rand(4, 3, 32, 32)
    assert pre.train()(x).shape == (4, 3, 24, 24)
    assert torch.allclose(pre.eval()(x), per_image_standardization(x[..., 4:28, 4:28]))
    assert CifarPreprocess(grayscale=True).eval()(x).shape == (4, 1, 24, 24)
    net = CNet(8, 4, 16, input_shape=(3, 32, 32), preprocess="cifar", random_state=0)
    assert net.head.fc.in_features == 4 * 12 * 12
    assert net(x).shape == (4, 10)


def test_appended_filters_are_patch_inner_products():
    bank = idealized_filters("primary_circle", 5)
    app = AppendedFilters(bank, in_channels=2)
    x = torch.rand(3, 2, 6, 7, dtype=torch.float32)
    out = app(x)
    assert out.shape == (3, 2 * 6, 6, 7)
    assert torch.equal(out[:, :2], x)
    padded = F.pad(x, (1, 1, 1, 1))
    # Channel 2 + c*5 + k holds filter k on input channel c, at the patch centre (r, s).
    for c in range(2):
        for k in range(5):
            for r, s in [(0, 0), (2, 3), (5, 6)]:
                patch = padded[:, c, r:r + 3, s:s + 3].reshape(3, 9).double()
                want = patch @ torch.as_tensor(bank[k])
                assert torch.allclose(out[:, 2 + c * 5 + k, r, s].double(), want, atol=1e-5)
    assert not list(app.parameters())  # a buffer: nothing to train


def test_appended_filters_net():
    net = MNet(4, 0, 8, input_shape=(1, 14, 14), append_filters="klein_bottle", n_append=6)
    assert net.features.conv1.in_channels == 7
    assert net(torch.rand(2, 1, 14, 14)).shape == (2, 10)


@pytest.mark.parametrize("kind", ["primary_circle", "klein_bottle", "gaussian", "three_circle"])
def test_fixed_filters_are_frozen_copies(kind):
    net = MNet(12, 0, 8, input_shape=(1, 14, 14), fixed_filters=kind, random_state=0)
    conv = net.features.conv1
    assert not conv.weight.requires_grad and not conv.bias.requires_grad
    assert torch.equal(conv.bias, torch.zeros(12))
    if kind == "primary_circle":
        want = idealized_filters(kind, 12)
        assert np.allclose(conv.weight.detach().reshape(12, 9).numpy(), want, atol=1e-6)


def test_fixed_filters_shared_or_per_channel():
    bank = idealized_filters("gaussian", 4, random_state=0)
    shared = MNet(4, 0, 8, in_channels=3, fixed_filters=bank).features.conv1.weight
    assert all(torch.equal(shared[:, 0], shared[:, c]) for c in range(3))
    per = MNet(4, 0, 8, in_channels=3, fixed_filters=np.tile(bank, (3, 1))).features.conv1.weight
    assert per.shape == (4, 3, 3, 3)


def test_fixed_filter_bank_size_mismatch():
    with pytest.raises(ValueError, match="fixed_filters holds 5 filters"):
        MNet(8, 0, 8, fixed_filters=idealized_filters("primary_circle", 5))
    with pytest.raises(ValueError, match=r"3x3 filters"):
        MNet(8, 0, 8, fixed_filters=np.zeros((8, 4)))
    with pytest.raises(ValueError, match="multiple of 3"):
        MNet(8, 0, 8, fixed_filters="three_circle")
    with pytest.raises(ValueError, match="X=0"):
        MNet(0, 4, 8, fixed_filters="primary_circle")


def test_wrong_channel_count_is_clear():
    net = MNet(4, 0, 8, input_shape=(1, 14, 14))
    with pytest.raises(ValueError, match="input channel"):
        net(torch.zeros(2, 3, 14, 14))
    with pytest.raises(ValueError, match="input_shape"):
        net(torch.zeros(2, 100))


def test_check_images_errors():
    X = np.zeros((4, 8, 8))
    with pytest.raises(ValueError, match="shape"):
        check_images(np.zeros((4, 2, 3, 8, 8)))
    with pytest.raises(TypeError, match="dtype"):
        check_images(np.full((4, 8, 8), "a"))
    with pytest.raises(ValueError, match="NaN"):
        check_images(np.full((4, 8, 8), np.nan))
    with pytest.raises(ValueError, match=r"0\.\.9"):
        check_images(X, [0, 1, 2, 10], n_classes=10)
    with pytest.raises(ValueError, match=r"0\.\.9"):
        check_images(X, [0, -1, 2, 3], n_classes=10)
    with pytest.raises(ValueError, match="one label per image"):
        check_images(X, [0, 1], n_classes=10)
    with pytest.raises(TypeError, match="LabelEncoder"):
        check_images(X, ["a", "b", "c", "d"], n_classes=10)
    Xc, yc = check_images(X.astype(np.uint8), np.array([0, 1, 2, 3], dtype=np.int32))
    assert Xc.dtype == np.float32 and yc.dtype == np.int64
