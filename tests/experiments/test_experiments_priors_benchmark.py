"""The priors benchmark at tiny scale: every condition trained, intervals around each speed-up."""

import numpy as np
import pytest

from sktopo.experiments._priors_benchmark import (
    CONDITIONS,
    PRIORS_BENCHMARK_PRESETS,
    _configs,
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
    for condition in preset.conditions:
        assert 0 <= result.summary[f"{condition}_target_acc"] <= 1
    check_saved(result, tmp_path / "report", ["speedups"])
    # Every network was trained once by the runner and is resumed by a rerun.
    assert len(list((tmp_path / "nets").rglob("net_*.json"))) == (
        len(preset.conditions) * preset.n_seeds)


@pytest.mark.parametrize("change, message", [
    ({"conditions": ("fixed_circle",)}, "must include 'plain'"),
    ({"n_seeds": 1}, "at least 2"),
    ({"n_append": 9}, "n_append must be in 1..8"),
])
def test_preset_refuses_an_unfair_benchmark(change, message):
    import dataclasses

    with pytest.raises(ValueError, match=message):
        dataclasses.replace(PRIORS_BENCHMARK_PRESETS["tiny"], **change)
