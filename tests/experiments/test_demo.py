import json

import pytest

from sktopo.cli import main
from sktopo.commands import DEMO_RECIPE, run_demo


def test_short_demo_writes_the_whole_report(tmp_path):
    result = run_demo(n_networks=2, iterations=20, verbose=0)
    folder = result.save(tmp_path / "demo")
    for name in ["index.html", "barcode.png", "mapper.png", "mapper.html", "summary.json",
                 "settings.json", "table.csv"]:
        assert (folder / name).stat().st_size > 0
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["n_filters"] == 2 * DEMO_RECIPE["sizes"][0]
    assert len(result.table) == 2
    page = (folder / "index.html").read_text()
    assert "pvalue_h1" in page and page.count("data:image/png;base64") == 2


@pytest.mark.slow
def test_demo_shows_the_primary_circle(tmp_path, capsys):
    # The real recipe: four nets, 800 iterations (about half a minute on two cores).
    assert main(["--quiet", "demo", "--out", str(tmp_path / "demo")]) == 0
    summary = json.loads((tmp_path / "demo" / "summary.json").read_text())
    assert summary["primary_circle_found"]
    assert summary["n_significant_h1"] == 1 and summary["mapper_nerve_betti1"] == 1
    assert summary["pvalue_h1"] < summary["alpha"]
    assert summary["mean_valid_acc"] > 0.6
    assert "primary_circle_found: True" in capsys.readouterr().out
