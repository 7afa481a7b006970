import numpy as np
import pytest
import torch

from sktopo.nn import MNet, make_net


def test_tf_init_is_truncated_normal_with_bias_point_one():
    net = MNet(256, 8, 16, input_shape=(1, 28, 28), init="tf", random_state=0)
    for conv in (net.features.conv1, net.features.conv2):
        w = conv.weight.detach().numpy()
        assert np.abs(w).max() <= 0.2 + 1e-7
        assert 0.07 < w.std() < 0.1  # a normal of std 0.1 cut at 2 std has std ~0.088
        assert torch.all(conv.bias == 0.1)
    default = MNet(256, 8, 16, input_shape=(1, 28, 28), random_state=0)
    assert np.abs(default.features.conv1.weight.detach().numpy()).max() <= 1 / 3 + 1e-7


def test_first_conv_stride_shrinks_the_maps():
    x = torch.zeros(2, 1, 28, 28)
    net = MNet(4, 0, 8, input_shape=(1, 28, 28), stride=4, random_state=0)
    assert net.features.conv1.stride == (4, 4)
    assert net.features(x).shape == (2, 4, 4, 4)  # 28 -> 7 -> pool (SAME) -> 4
    assert net(x).shape == (2, 10)


@pytest.mark.parametrize("kw, match", [({"stride": 0}, "stride"), ({"init": "xavier"}, "init")])
def test_bad_stride_or_init(kw, match):
    with pytest.raises(ValueError, match=match):
        MNet(4, 0, 8, **kw)


def test_options_reach_the_module_through_make_net():
    X = np.random.default_rng(0).random((64, 28, 28), dtype=np.float32)
    y = np.arange(64) % 10
    net = make_net("M", (8, 0, 16), max_iter=2, batch_size=32, random_state=0,
                   module__stride=2, module__init="tf").fit(X, y)
    assert net.module_.features.conv1.stride == (2, 2)
