"""The priors benchmark at tiny scale: every condition trained, intervals around each speed-up,
misses censored at the budget."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from sktopo.experiments._priors import BOOSTED_PRESETS
from sktopo.experiments._priors_benchmark import (
    CONDITIONS,
    PRIORS_BENCHMARK_PRESETS,
    _configs,
    _speedup_rows,
    priors_benchmark,
)
from sktopo.filters import random_orthogonal_filters


def test_controls_have_as_many_extra_channels_as_the_priors():
    preset = PRIORS_BENCHMARK_PRESETS["small"]
    configs = _configs(preset)
    appended = {c: cfg for c, cfg in configs.items() if c.startswith("appended_")}
    assert {cfg["module__n_append"] for cfg in appended.values()} == {preset.n_append}
    assert configs["prior_low"]["prior_weight"] < configs["prior_high"]["prior_weight"]
    assert set(configs) == set(CONDITIONS)


def test_random_orthogonal_control_is_orthonormal_and_zero_mean():
    F = random_orthogonal_filters(8, random_state=0)
    np.testing.assert_allclose(F @ F.T, np.eye(8), atol=1e-12)
    np.testing.assert_allclose(F.sum(axis=1), 0, atol=1e-12)
    with pytest.raises(ValueError, match="at most 8"):
        random_orthogonal_filters(9)


def test_speedup_rows_censor_misses_and_carry_the_talks_iterations():
    # Two seeds at the talk's 0.8: plain misses once within 100 iterations (counted as 101).
    preset = dataclasses.replace(BOOSTED_PRESETS["tiny"], max_iter=100, thresholds=(0.8,))
    hits = pd.DataFrame({"condition": ["plain", "plain", "appended_circle", "appended_circle"],
                         "seed": [1, 2, 1, 2], "threshold": 0.8,
                         "iterations": [np.nan, 61, 30, 51]})
    table, definition = _speedup_rows(hits, preset)
    circle = table.set_index("condition").loc["appended_circle"]
    assert circle["speedup_vs_plain"] == 2.0  # (101 + 61) / (30 + 51)
    assert circle["censoring"] == "lower bound" and circle["n_reached"] == 2
    assert table.set_index("condition")["paper_iterations"].to_dict() == {
        "plain": 293, "appended_circle": 187}
    assert "max_iter + 1" in definition


@pytest.mark.slow
def test_priors_benchmark_tiny(tmp_path, check_saved):
    result = priors_benchmark(scale="tiny", verbose=0, out_dir=str(tmp_path / "nets"))
    preset = PRIORS_BENCHMARK_PRESETS["tiny"]
    table = result.table
    assert set(table["condition"]) == set(preset.conditions)
    assert len(table) == len(preset.conditions) * len(preset.thresholds)
    plain = table[table["condition"] == "plain"]
    np.testing.assert_allclose(plain["speedup_vs_plain"], 1.0)
    reached = table[table["n_reached"] > 0]
    assert (reached["speedup_ci_low"] <= reached["speedup_vs_plain"] + 1e-12).all()
    assert (reached["speedup_vs_plain"] <= reached["speedup_ci_high"] + 1e-12).all()
    assert set(table["censoring"]) <= {"none", "lower bound", "upper bound", "both censored"}
    assert (table["n_reached"] == 0).eq(table["mean_iterations"] == preset.max_iter + 1).all()
    for condition in preset.conditions:
        assert 0 <= result.summary[f"{condition}_target_acc"] <= 1
    check_saved(result, tmp_path / "report", ["speedups", "accuracy_curves", "transfer"])
    # Every network was trained once by the runner and is resumed by a rerun.
    assert len(list((tmp_path / "nets").rglob("net_*.json"))) == (
        len(preset.conditions) * preset.n_seeds)


@pytest.mark.parametrize("change, message", [
    ({"conditions": ("fixed_circle",)}, "must include 'plain'"),
    ({"n_seeds": 1}, "at least 2"),
    ({"n_append": 9}, "n_append must be in 1..8"),
    ({"conditions": ()}, "at least one condition"),
    ({"thresholds": ()}, "at least one validation accuracy"),
    ({"eval_every": 31}, "eval_every must be in 1..max_iter=30"),
    ({"dataset": "svhn"}, "target=none to train on SVHN"),
])
def test_preset_refuses_an_unfair_benchmark(change, message):
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(PRIORS_BENCHMARK_PRESETS["tiny"], **change)


def test_only_the_orthonormal_control_limits_the_appended_channels():
    assert BOOSTED_PRESETS["paper"].n_append == 64  # the talk's bank
    assert dataclasses.replace(BOOSTED_PRESETS["tiny"], dataset="svhn").dataset == "svhn"
