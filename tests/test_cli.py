import json

import pytest
import torch

from sktopo.cli import build_parser, main
from sktopo.datasets import make_filter_cloud


@pytest.fixture
def circle_checkpoint(tmp_path):
    """A state dict whose first conv layer holds a noisy primary circle of 600 filters."""
    filters = make_filter_cloud("primary_circle", 600, noise=0.2, random_state=0)
    weight = torch.tensor(filters.reshape(60, 10, 3, 3) * 0.3, dtype=torch.float32)
    path = tmp_path / "net.pt"
    torch.save({"features.0.weight": weight, "features.0.bias": torch.zeros(60)}, path)
    return path


def test_analyze_writes_a_complete_report(circle_checkpoint, tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["--quiet", "analyze", str(circle_checkpoint), "--k", "10", "--p", "0.5",
                 "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n_filters"] == 600 and summary["n_analysed"] == 300
    # A noisy circle: one significant H1 class, whatever its exact length.
    assert summary["n_significant_h1"] == 1
    assert summary["verdict"] == "a circle: one significant H1 class"
    for name in ["barcode.png", "mapper.png", "mapper.html", "table.csv", "settings.json",
                 "kept_filters.csv"]:
        assert (out / name).stat().st_size > 0
    printed = capsys.readouterr().out
    assert "Report written to" in printed
    assert "A circle: one significant H1 class (p = " in printed  # the finding in words, first
    assert "<h2>What was found</h2><p>A circle" in (out / "index.html").read_text()


def test_analyze_reports_bad_layer_cleanly(circle_checkpoint, tmp_path, capsys):
    code = main(["--quiet", "analyze", str(circle_checkpoint), "--layer", "7",
                 "--out", str(tmp_path / "r")])
    assert code == 2
    assert "numbered 1..1" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_bad_arguments_are_rejected_by_the_parser():
    parser = build_parser()
    with pytest.raises(SystemExit):
        parser.parse_args(["analyze", "x.pt", "--p", "1.5"])
    with pytest.raises(SystemExit):
        parser.parse_args(["demo", "--networks", "0"])


def test_reproduce_unknown_experiment(capsys):
    assert main(["--quiet", "reproduce", "no-such-figure"]) == 2
    assert "Unknown experiment" in capsys.readouterr().err


def test_rerun_replaces_its_own_report_but_never_foreign_files(circle_checkpoint, tmp_path, capsys):
    out = tmp_path / "report"
    args = ["--quiet", "analyze", str(circle_checkpoint), "--k", "10", "--out", str(out)]
    assert main(args) == 0
    (out / "stale.txt").write_text("from the first run")
    assert main(args) == 0  # an earlier report is replaced whole
    assert not (out / "stale.txt").exists() and (out / "summary.json").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert (out.stat().st_mode & 0o777) != 0o700  # not left private by the temporary folder

    project = tmp_path / "project"
    (project / "src").mkdir(parents=True)
    (project / "src" / "code.py").write_text("keep me")
    assert main(args[:-1] + [str(project)]) == 2
    assert "not an sktopo report" in capsys.readouterr().err
    assert (project / "src" / "code.py").read_text() == "keep me"

    a_file = tmp_path / "notes.txt"
    a_file.write_text("keep me too")
    assert main(args[:-1] + [str(a_file)]) == 2
    assert a_file.read_text() == "keep me too"


def test_reproduce_list_names_every_experiment(capsys):
    from sktopo.experiments import EXPERIMENTS

    assert main(["reproduce", "list"]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert listed == list(EXPERIMENTS)


@pytest.mark.slow
def test_reproduce_runs_an_experiment_end_to_end(tmp_path):
    out = tmp_path / "report"
    assert main(["--quiet", "reproduce", "mnist_second_layer", "--scale", "tiny",
                 "--out", str(out)]) == 0
    assert (out / "summary.json").exists()  # --out is the report folder, as in every command


def test_reproduce_rejects_unknown_option(capsys):
    assert main(["--quiet", "reproduce", "vgg_layers", "--scale", "tiny",
                 "--set", "no_such_knob=1"]) == 2
    assert "no_such_knob" in capsys.readouterr().err


@pytest.mark.parametrize("item, message", [
    ("foo", "KEY=VALUE"),
    ("scale=paper", "option of its own; use --scale"),
    ("k=many", "vgg_layers: option k='many' is invalid: expected an integer"),
])
def test_reproduce_rejects_malformed_set(item, message, capsys):
    assert main(["--quiet", "reproduce", "vgg_layers", "--set", item]) == 2
    assert message in capsys.readouterr().err


def test_reproduce_at_paper_scale_without_the_data_refuses(tmp_path, capsys):
    home, out = tmp_path / "empty", tmp_path / "reports"
    home.mkdir()
    assert main(["--quiet", "reproduce", "mnist_first_layer", "--scale", "paper",
                 "--data-home", str(home), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "needs the real data" in err and "t10k-images-idx3-ubyte" in err
    assert str(home / "mnist") in err
    assert not out.exists() and list(home.iterdir()) == []


def test_unreadable_weight_file_is_an_error_not_a_traceback(tmp_path, capsys):
    bad = tmp_path / "bad.h5"
    bad.write_bytes(b"not hdf5")
    assert main(["--quiet", "analyze", str(bad), "--out", str(tmp_path / "r")]) == 2
    assert "bad.h5" in capsys.readouterr().err


def test_density_that_keeps_too_few_points_is_explained(circle_checkpoint, tmp_path, capsys):
    assert main(["--quiet", "analyze", str(circle_checkpoint), "--p", "0.002",
                 "--out", str(tmp_path / "r")]) == 2
    assert "raise p" in capsys.readouterr().err


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 truncated", b"plain text"])
def test_damaged_npz_is_one_line_not_a_traceback(tmp_path, capsys, content):
    path = tmp_path / "weights.npz"
    path.write_bytes(content)
    assert main(["analyze", str(path), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "not an .npz archive" in err
    assert "allow_pickle" not in err


def test_debug_shows_the_traceback(tmp_path):
    path = tmp_path / "weights.npz"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match="not an .npz archive"):
        main(["analyze", str(path), "--debug", "--out", str(tmp_path / "r")])


def test_unwritable_out_is_refused_before_any_work(circle_checkpoint, tmp_path, capsys,
                                                   monkeypatch):
    import sktopo.commands._analyze as command

    def never(*args, **kwargs):
        raise AssertionError("the analysis ran although --out is unusable")

    monkeypatch.setattr(command, "extract_spatial_filters", never)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    assert main(["analyze", str(circle_checkpoint), "--out", str(blocker / "report")]) == 2
    assert "not a writable folder" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [
    ["--quiet", "analyze"], ["analyze", "--quiet"], ["--verbose", "analyze"],
    ["analyze", "--verbose"],
])
def test_output_options_before_or_after_the_command(circle_checkpoint, tmp_path, argv):
    args = argv + [str(circle_checkpoint), "--k", "10", "--p", "0.5", "--out",
                   str(tmp_path / "r")]
    parsed = build_parser().parse_args(args)
    assert parsed.quiet == ("--quiet" in argv) and parsed.verbose == ("--verbose" in argv)


def test_k_and_landmarks_accept_fractions(circle_checkpoint, tmp_path):
    out = tmp_path / "r"
    assert main(["--quiet", "analyze", str(circle_checkpoint), "--k", "0.02", "--landmarks",
                 "0.5", "--out", str(out)]) == 0
    settings = json.loads((out / "settings.json").read_text())
    assert settings["k"] == 0.02 and settings["k_used"] == 12
    assert settings["n_landmarks"] == 0.5 and settings["n_landmarks_used"] == 90
