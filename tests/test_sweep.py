"""Layer sweeps: any kernel size, depthwise and grouped layers, model-zoo and Keras names,
adaptive sizes, honest barcode scales."""

import dataclasses

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from sktopo.filters import (  # noqa: E402
    conv_layers,
    distance_to_model,
    extract_spatial_filters,
    klein_bottle,
    primary_circle,
)
from sktopo.homology import plot_barcode  # noqa: E402
from sktopo.significance import significance_readout  # noqa: E402
from sktopo.mapper import mapper_graph, mapper_html, plot_mapper_graph  # noqa: E402
from sktopo.sizes import ADAPTIVE_RULES, adaptive_settings  # noqa: E402
from sktopo.sweep import (  # noqa: E402
    COLUMNS,
    LayerResult,
    select_layers,
    sweep_figures,
    sweep_layers,
)
from tests.conftest import shared_file  # noqa: E402


@pytest.fixture(autouse=True)
def _one_thread_and_no_figures_left():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
    plt.close("all")


def circle_weight(out_ch, in_ch, size, seed=0, noise=0.15):
    """A conv weight whose spatial filters are noisy primary-circle filters of any size."""
    rng = np.random.default_rng(seed)
    theta = rng.uniform(0, 2 * np.pi, out_ch * in_ch)
    t = np.linspace(-1, 1, size)
    y, x = np.meshgrid(t, t, indexing="ij")
    w = np.cos(theta)[:, None] * x.ravel() + np.sin(theta)[:, None] * y.ravel()
    w /= np.linalg.norm(w, axis=1, keepdims=True)
    w += noise * rng.standard_normal(w.shape) / size
    return torch.tensor(w.reshape(out_ch, in_ch, size, size), dtype=torch.float32)


def circle_net():
    """3x3, 5x5, depthwise 7x7, grouped 3x3 and pointwise 1x1 convs, all but the last holding a
    noisy primary circle."""
    net = torch.nn.Sequential()
    net.add_module("conv3", torch.nn.Conv2d(8, 32, 3))
    net.add_module("conv5", torch.nn.Conv2d(32, 16, 5))
    net.add_module("dw7", torch.nn.Conv2d(16, 64, 7, groups=16))
    net.add_module("grouped", torch.nn.Conv2d(64, 64, 3, groups=4))
    net.add_module("pw", torch.nn.Conv2d(64, 32, 1))
    with torch.no_grad():
        for i, (name, size) in enumerate([("conv3", 3), ("conv5", 5), ("dw7", 7),
                                          ("grouped", 3)]):
            conv = getattr(net, name)
            conv.weight.copy_(circle_weight(*conv.weight.shape[:2], size, seed=i))
    return net


@pytest.fixture(scope="module")
def swept():
    torch.set_num_threads(1)
    return sweep_layers(circle_net(), return_results=True)


# --------------------------------------------------------------------------- the sweep
def test_every_kernel_size_depthwise_and_grouped_layer_is_analysed(swept):
    table, results = swept
    assert list(table.columns) == list(COLUMNS)
    assert table["kernel"].tolist() == ["3x3", "5x5", "7x7", "3x3", "1x1"]
    assert table["groups"].tolist() == [1, 1, 16, 4, 1]
    assert table["n_filters"].tolist() == [256, 512, 64, 1024, 2048]
    analysed = table.iloc[:4]
    # A noisy circle in every layer: one significant class, close to the ideal filters.
    assert (analysed["n_significant_h1"] == 1).all()
    assert (analysed["pvalue_h1"] < 0.05).all()
    assert (analysed["verdict"] == "a circle: one significant H1 class").all()
    assert (analysed["distance_to_primary_circle"] < 0.25).all()
    assert [len(r.diagram) for r in results[:4]] == [2, 2, 2, 2]
    assert results[1].graph.nodes[0]["mean_filter"].shape == (25,)


def test_pointwise_layers_are_skipped_with_a_note(swept):
    table, results = swept
    pw = table.iloc[4]
    assert pw["note"].startswith("skipped: 1x1")
    assert pd_isna(pw["n_analysed"]) and pd_isna(pw["max_lifetime_h1"])
    assert results[4].skipped and not results[0].skipped


def pd_isna(value):
    import pandas as pd

    return bool(pd.isna(value))


def test_random_layers_are_far_from_the_circle():
    torch.manual_seed(0)
    table = sweep_layers(torch.nn.Conv2d(16, 32, 5))
    assert table["distance_to_primary_circle"].iloc[0] > 0.9


def test_adaptive_sizes_are_recorded_and_explicit_values_win(swept):
    table, _ = swept
    first = table.iloc[0]  # 256 live filters
    assert first["k_used"] == 5 and first["p_used"] == pytest.approx(150 / 256)
    assert first["n_analysed"] == 150 and first["resolution"] == 5
    assert table.iloc[2]["n_landmarks_used"] == 64  # every kept point when fewer than 100
    given = sweep_layers(circle_net(), layers=[4], k=0.05, p=0.5, n_landmarks=40, resolution=7)
    row = given.iloc[0]
    assert (row["k_used"], row["p_used"], row["n_landmarks_used"], row["resolution"]) == (
        51, 0.5, 40, 7)  # k: 5 % of 1,024 live filters


def test_adaptive_rules():
    assert set(ADAPTIVE_RULES) == {"k", "p", "n_landmarks", "resolution", "m"}
    big = adaptive_settings(262_144)
    assert (big["k"], big["p"], big["n_landmarks"], big["resolution"]) == (100, 0.3, 100, 30)
    assert big["m"] == adaptive_settings(40)["m"] == 300  # one readout size for every layer
    assert adaptive_settings(40, m=50)["chosen_by"]["m"] == "given"
    small = adaptive_settings(40)
    assert small["k"] == 5 and small["p"] == 1.0 and small["n_landmarks"] == 40
    assert small["chosen_by"]["k"].startswith("rule:")
    assert adaptive_settings(40, k=7)["chosen_by"]["k"] == "given"
    with pytest.raises(ValueError, match="raise p"):
        adaptive_settings(600, p=0.002)


def test_an_explicit_size_that_does_not_fit_names_the_layer():
    with pytest.raises(ValueError, match=r"layer 3 \(dw7\).*k=500 does not fit"):
        sweep_layers(circle_net(), layers="3", k=500)


def test_layer_specs():
    names = [f"conv{i}" for i in range(1, 7)]
    assert select_layers(names, "all") == [1, 2, 3, 4, 5, 6]
    assert select_layers(names, "2-4") == [2, 3, 4]
    assert select_layers(names, "1,3,5") == [1, 3, 5]
    assert select_layers(names, "5,conv2,2-3") == [5, 2, 3]
    assert select_layers(names, range(2, 4)) == [2, 3]
    assert select_layers(names, [6, "conv1"]) == [6, 1]
    with pytest.raises(ValueError, match="backwards"):
        select_layers(names, "4-2")
    with pytest.raises(ValueError, match="numbered 1..6"):
        select_layers(names, "3,9")
    with pytest.raises(ValueError, match="no conv layer named 'fc'"):
        select_layers(names, "fc")


def test_max_filters_subsamples_and_says_so():
    table = sweep_layers(circle_net(), layers="4", max_filters=300)
    row = table.iloc[0]
    assert row["n_filters"] == 1024 and row["n_used"] == 300
    assert "subsample of 300 of 1024" in row["note"]


def test_pooling_sources_doubles_every_layer():
    nets = [circle_net(), circle_net()]
    table = sweep_layers(nets, layers="1-2")
    assert table["n_filters"].tolist() == [512, 1024]


# --------------------------------------------------------------------------- naming schemes
class _Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(4, 8, 3)
        self.dwconv = torch.nn.Conv2d(8, 8, 7, groups=8)


class _PatchEmbed(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = torch.nn.Conv2d(3, 8, 16, stride=16)


class _ZooNet(torch.nn.Module):
    """The naming schemes of ResNet, MobileNet, ConvNeXt and ViT in one module."""

    def __init__(self):
        super().__init__()
        self.patch_embed = _PatchEmbed()
        self.layer1 = torch.nn.Sequential(_Block())
        self.features = torch.nn.Sequential(
            torch.nn.Identity(),
            torch.nn.Module(),
        )
        self.features[1].conv = torch.nn.Sequential(torch.nn.Sequential(
            torch.nn.Conv2d(8, 8, 3, groups=8), torch.nn.BatchNorm2d(8)))
        # 4-D parameters that are not kernels (ConvNeXt-V2 GRN, conv-style position embedding).
        self.gamma = torch.nn.Parameter(torch.ones(1, 1, 1, 8))
        self.pos_embed = torch.nn.Parameter(torch.zeros(1, 8, 4, 4))


ZOO_NAMES = ["patch_embed.proj", "layer1.0.conv1", "layer1.0.dwconv", "features.1.conv.0.0"]


def _weight_files(state, folder):
    """The state dict as .pt and .npz files, and .safetensors when that package is installed."""
    torch.save(state, folder / "zoo.pt")
    np.savez(folder / "zoo.npz", **{k: v.numpy() for k, v in state.items()})
    files = [folder / "zoo.pt", folder / "zoo.npz"]
    try:
        from safetensors.torch import save_file
    except ImportError:
        return files
    save_file({k: v.contiguous() for k, v in state.items()}, folder / "zoo.safetensors")
    return files + [folder / "zoo.safetensors"]


def test_model_zoo_names_from_modules_and_state_dicts(tmp_path):
    net = _ZooNet()
    assert list(conv_layers(net)) == ZOO_NAMES
    state = net.state_dict()
    for source in [state, *_weight_files(state, tmp_path)]:
        layers = conv_layers(source)
        assert list(layers) == ZOO_NAMES, source  # gamma and pos_embed are not layers
        assert layers["layer1.0.dwconv"].groups is None  # a file does not record groups
    np.testing.assert_array_equal(
        extract_spatial_filters(tmp_path / "zoo.pt", "layer1.0.dwconv", kernel_size=None),
        extract_spatial_filters(net, "layer1.0.dwconv", kernel_size=None))


def test_patch_embeddings_are_256_dimensional_points():
    torch.manual_seed(0)
    embed = torch.nn.Conv2d(3, 64, 16, stride=16)
    with torch.no_grad():
        embed.weight.copy_(circle_weight(64, 3, 16, seed=5))
    table, (result,) = sweep_layers(embed, return_results=True)
    assert table["kernel"].iloc[0] == "16x16"
    assert result.graph.nodes[0]["mean_filter"].shape == (256,)
    assert table["distance_to_primary_circle"].iloc[0] < 0.25


def test_keras_names_and_layouts(tmp_path):
    h5py = pytest.importorskip("h5py")
    torch_conv = torch.nn.Conv2d(3, 8, 3)
    torch_dw = torch.nn.Conv2d(8, 16, 5, groups=8)  # depthwise, multiplier 2
    kernel = np.transpose(torch_conv.weight.detach().numpy(), (2, 3, 1, 0))  # (kh, kw, in, out)
    dw = torch_dw.weight.detach().numpy().reshape(8, 2, 5, 5).transpose(2, 3, 0, 1)
    np.savez(tmp_path / "k.npz", **{"block1_conv1/kernel:0": kernel,
                                     "block1_dwconv/depthwise_kernel:0": dw})
    with h5py.File(tmp_path / "k.h5", "w") as f:
        f["model_weights/block1_conv1/block1_conv1/kernel:0"] = kernel
        f["model_weights/block1_dwconv/block1_dwconv/depthwise_kernel:0"] = dw
    for path in (tmp_path / "k.npz", tmp_path / "k.h5"):
        layers = conv_layers(path)
        assert list(layers) == ["block1_conv1", "block1_dwconv"]
        assert layers["block1_dwconv"].groups == 8
        np.testing.assert_allclose(layers["block1_conv1"].weight, torch_conv.weight.detach())
        np.testing.assert_allclose(layers["block1_dwconv"].weight, torch_dw.weight.detach())
        _, prov = extract_spatial_filters(path, "block1_dwconv", kernel_size=None,
                                          return_provenance=True)
        assert prov["in_channel"].tolist() == np.repeat(np.arange(8), 2).tolist()


# --------------------------------------------------------------------------- idealised filters
@pytest.mark.parametrize("size", [3, 5, 7, 9])
def test_distance_to_the_models_of_any_odd_size(size):
    assert distance_to_model(primary_circle(32, size=size), size=size) < 1e-9
    assert distance_to_model(klein_bottle(8, 8, size=size), "klein_bottle") < 1e-6
    assert distance_to_model(klein_bottle(8, 8, size=size)) > 0.05  # not all on the circle


# --------------------------------------------------------------------------- pictures
def _tiny_result(index, lifetime):
    diagram = [np.array([[0.0, np.inf]]), np.array([[0.05, 0.05 + lifetime]])]
    readout = significance_readout(primary_circle(40) * 0.5 * lifetime, random_state=0)
    readout = dataclasses.replace(readout, diagram=diagram,
                                  corrected_pvalues=np.array([readout.pvalue]))
    row = {"layer": index, "name": f"c{index}", "kernel": "3x3", "resolution": 5, "gain": 3.0,
           "nerve_betti1": 1, **readout.features(), "max_lifetime_h1": lifetime,
           "lifetime_2_h1": 0.0, "n_landmarks_used": 20, "n_analysed": 50,
           "distance_to_primary_circle": 0.3}
    graph = mapper_graph(primary_circle(60), 5, 3)
    return LayerResult(row, (3, 3), diagram, graph, "lazy witness", readout)


def test_sweep_barcodes_share_one_scale_and_never_zoom_a_speck():
    results = [_tiny_result(1, 0.001), _tiny_result(2, 0.6)]
    figs = sweep_figures(results, title="t")
    assert set(figs) == {"sweep_grid", "sweep_depth"}
    bar_axes = [ax for ax in figs["sweep_grid"].axes if ax.get_title(loc="left").endswith("H1")]
    assert len(bar_axes) == 2
    rights = {ax.get_xlim()[1] for ax in bar_axes}
    assert len(rights) == 1 and rights.pop() >= 0.65  # the 0.001 bar is drawn on the 0.6 scale
    lifetime_ax = figs["sweep_depth"].axes[1]
    assert lifetime_ax.get_ylim()[0] == 0 and lifetime_ax.get_ylim()[1] > 0.6


def test_a_lone_short_bar_keeps_the_threshold_in_view():
    fig = plot_barcode([np.empty((0, 2)), np.array([[0.05, 0.0513]])], threshold=0.15)
    ax = fig.axes[1]
    assert ax.get_xlim()[1] >= 0.2  # birth + threshold is in view: the bar stays a speck
    line = [ln for ln in ax.get_lines() if "threshold" in (ln.get_label() or "")]
    assert line and np.allclose(line[0].get_xdata(), 0.2)
    assert plot_barcode([np.empty((0, 2))], threshold=0.15).axes[0].get_xlim()[1] >= 0.15


def test_long_bars_are_marked_and_xmax_never_cuts_a_bar():
    fig = plot_barcode([np.array([[0.0, 0.1], [0.0, 0.5]])], threshold=0.15, xmax=1.0)
    ax = fig.axes[0]
    assert ax.get_xlim()[1] == 1.0
    labels = ax.get_legend_handles_labels()[1]
    assert "long (lifetime > 0.15)" in labels
    with pytest.raises(ValueError, match="xmax=0.3 would cut bars"):
        plot_barcode([np.array([[0.0, 0.5]])], xmax=0.3)


@pytest.mark.parametrize("size", [3, 5, 7, 16])
def test_glyphs_have_one_width_whatever_the_kernel(size):
    graph = mapper_graph(primary_circle(200, size=size), 5, 3)
    ax = plot_mapper_graph(graph, n_glyphs=3)
    glyphs = [a for a in ax.artists if (a.get_gid() or "").startswith("glyph-")]
    images = [g.offsetbox for g in glyphs]
    assert images and all(im.get_data().shape == (size, size) for im in images)
    assert all(im.get_zoom() * size == pytest.approx(21.0) for im in images)
    page = mapper_html(graph)
    assert f"var SHAPE = [{size}, {size}]" in page


def test_non_square_glyphs_on_request():
    graph = mapper_graph(np.random.default_rng(0).standard_normal((200, 7)), 4, 2)
    ax = plot_mapper_graph(graph, n_glyphs=2, kernel_shape=(1, 7))
    images = [a.offsetbox for a in ax.artists if (a.get_gid() or "").startswith("glyph-")]
    assert images and images[0].get_data().shape == (1, 7)
    assert "var SHAPE = [1, 7]" in mapper_html(graph, kernel_shape=(1, 7))


# --------------------------------------------------------------------------- real weights
def test_vgg19_sweep_of_the_first_layers():
    path = shared_file("vgg19-imagenet-q8", "vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin")
    table = sweep_layers(path, layers="1-3", max_filters=2000)
    assert table["name"].tolist() == ["block1_conv1", "block1_conv2", "block2_conv1"]
    assert table["n_filters"].tolist() == [192, 4096, 8192]
    assert (table["n_used"] <= 2000).all() and table["n_analysed"].notna().all()
    assert table["note"].iloc[1].startswith("seeded subsample")
