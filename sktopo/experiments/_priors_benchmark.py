"""A fair test of topological priors: how much faster does a net learn, and is it the topology?

The talk behind the paper reports 1.6-3.5x fewer batch iterations to a given validation
accuracy when primary-circle features are appended to the images; Love et al. (JMLR 2023)
report faster learning with fixed circle and Klein filter layers; an independent reproduction
found plain networks as good. :func:`priors_benchmark` trains every prior beside controls with
the same number of extra channels and the same seeds, and reports iterations to each accuracy
with bootstrap confidence intervals.
"""

import dataclasses
import time
import typing

import numpy as np
import pandas as pd

from ._data import digit_data, load_target_domain
from ._presets import DigitNetPreset, resolve_preset
from ._priors import PAPER_BOOSTED, _event_values, _net_config, _train_conditions
from ._result import ExperimentResult
from ._runs import preset_folder

#: Conditions and the make_net arguments that make them (first layer fixed, responses to a
#: fixed bank appended, or the prior regulariser). Fixed circle and Klein layers are Love et al.'s
#: circle- and Klein-filter layers built from sktopo's idealised filters.
CONDITIONS = {
    "plain": {},
    "fixed_circle": {"module__fixed_filters": "primary_circle"},
    "fixed_klein": {"module__fixed_filters": "klein_bottle"},
    "fixed_gaussian": {"module__fixed_filters": "gaussian"},
    "appended_circle": {"module__append_filters": "primary_circle"},
    "appended_klein": {"module__append_filters": "klein_bottle"},
    "appended_gaussian": {"module__append_filters": "gaussian"},
    "appended_orthogonal": {"module__append_filters": "random_orthogonal"},
    "prior_low": {"prior": "primary_circle"},
    "prior_high": {"prior": "primary_circle"},
}

#: What each condition controls for, for the report.
ROLES = {
    "plain": "baseline",
    "fixed_circle": "prior (circle-filter layer)",
    "fixed_klein": "prior (Klein-filter layer)",
    "fixed_gaussian": "control for fixed_circle",
    "appended_circle": "prior (the talk's boosted training)",
    "appended_klein": "prior",
    "appended_gaussian": "control: any fixed extra channels",
    "appended_orthogonal": "control: maximally informative extra channels, no shape",
    "prior_low": "prior (regulariser)",
    "prior_high": "prior (regulariser)",
}


@dataclasses.dataclass(frozen=True, kw_only=True)
class PriorsBenchmarkPreset(DigitNetPreset):
    """Knobs of :func:`priors_benchmark` (beside those of :class:`DigitNetPreset`).

    Attributes
    ----------
    dataset : {"mnist"}, default="mnist"
        Training digits (transfer goes to ``target``).
    n_seeds : int
        Networks per condition (at least 2, for an interval); seed ``i`` is shared by all
        conditions, so they differ only in the prior.
    n_append : int
        Appended channels of every ``appended_*`` condition (at most 8: orthonormal zero-mean
        3x3 filters span 8 dimensions).
    eval_every : int
        Batch iterations between validation evaluations.
    thresholds : tuple of float
        Validation accuracies whose first hitting iteration is reported.
    prior_weights : tuple of float
        The regulariser's weight in ``prior_low`` and ``prior_high``.
    n_target : int or None
        Target-domain images scored after training (None: all).
    target : {"auto", "svhn", "digits28"}
        Second digit domain for transfer.
    conditions : tuple of str
        Conditions compared (keys of :data:`CONDITIONS`; "plain" is always the reference).
    n_boot : int
        Bootstrap draws of the confidence intervals.
    """

    dataset: typing.Literal["mnist"] = "mnist"
    n_seeds: int
    n_append: int
    eval_every: int
    thresholds: tuple[float, ...]
    prior_weights: tuple[float, float]
    n_target: int | None
    target: typing.Literal["auto", "svhn", "digits28"]
    conditions: tuple[typing.Literal[tuple(CONDITIONS)], ...]
    n_boot: int = 1000

    def __post_init__(self):
        if "plain" not in self.conditions:
            raise ValueError("conditions must include 'plain', the reference of every speed-up.")
        if self.n_seeds < 2:
            raise ValueError(f"n_seeds must be at least 2 for an interval; got {self.n_seeds}.")
        if not 1 <= self.n_append <= 8:
            raise ValueError(f"n_append must be in 1..8; got {self.n_append}.")


_ALL = tuple(CONDITIONS)

#: Scale presets of :func:`priors_benchmark`.
PRIORS_BENCHMARK_PRESETS = {
    "tiny": PriorsBenchmarkPreset(
        sizes=(8, 0, 16), n_seeds=2, max_iter=30, batch_size=64, n_train=600, n_test=200,
        n_append=4, eval_every=10, thresholds=(0.2, 0.3), prior_weights=(0.1, 1.0),
        n_target=200, target="digits28", conditions=("plain", "fixed_circle",
                                                     "appended_circle", "appended_orthogonal",
                                                     "prior_high"), n_boot=200,
    ),
    "small": PriorsBenchmarkPreset(
        sizes=(32, 0, 32), n_seeds=5, max_iter=800, batch_size=64, n_train=4000, n_test=1000,
        n_append=8, eval_every=25, thresholds=(0.5, 0.7, 0.8, 0.85, 0.9, 0.93),
        prior_weights=(0.1, 1.0), n_target=None, target="auto", conditions=_ALL,
    ),
    "paper": PriorsBenchmarkPreset(
        sizes=(64, 32, 64), n_seeds=5, max_iter=20000, batch_size=128, n_train=None,
        n_test=None, n_append=8, eval_every=100,
        thresholds=(0.8, 0.9, 0.95, 0.96, 0.97, 0.98, 0.985), prior_weights=(0.1, 1.0),
        n_target=None, target="auto", conditions=_ALL,
    ),
}


def _configs(preset):
    """make_net arguments of every condition."""
    weights = dict(zip(("prior_low", "prior_high"), preset.prior_weights))
    configs = {}
    for name in preset.conditions:
        extra = dict(CONDITIONS[name])
        if "module__append_filters" in extra:
            extra["module__n_append"] = preset.n_append
        if name in weights:
            extra["prior_weight"] = weights[name]
        configs[name] = _net_config(preset, **extra)
    return configs


def _hitting_table(records, thresholds, max_iter):
    """One row per network and threshold: first iteration reaching it (NaN when never)."""
    from ..nn import iterations_to_accuracy

    rows = []
    for condition, recs in records.items():
        for r in recs:
            first = iterations_to_accuracy(*_event_values(r, "valid_acc"), thresholds)
            target_acc = _event_values(r, "target_acc")[1][-1]
            for t, hit in first.items():
                rows.append(dict(condition=condition, seed=r["seed"], threshold=t,
                                 iterations=np.nan if hit is None else hit,
                                 final_valid_acc=r["valid_acc"], target_acc=target_acc))
    return pd.DataFrame(rows)


def _censored(its, max_iter):
    """Iterations with a net that never reached the threshold counted as one more than the run:
    a lower bound, so a speed-up against it is conservative."""
    return np.where(np.isnan(its), max_iter + 1.0, its)


def _summary_rows(hits, preset):
    """Per condition and threshold: mean iterations, speed-up over plain, with bootstrap CIs."""
    from ..stats import bootstrap_ci

    rows = []
    for (condition, t), sub in hits.groupby(["condition", "threshold"], sort=False):
        plain = hits[(hits["condition"] == "plain") & (hits["threshold"] == t)]
        ours = _censored(sub.sort_values("seed")["iterations"].to_numpy(), preset.max_iter)
        ref = _censored(plain.sort_values("seed")["iterations"].to_numpy(), preset.max_iter)
        speedup = ref.mean() / ours.mean()
        # Seeds are shared by the conditions: resample them jointly (a paired bootstrap).
        low, high = bootstrap_ci(lambda a, b: b.mean() / a.mean(), ours, ref,
                                 n_boot=preset.n_boot, random_state=0)
        it_low, it_high = bootstrap_ci(np.mean, ours, n_boot=preset.n_boot, random_state=0)
        rows.append(dict(
            condition=condition, role=ROLES[condition], threshold=t,
            n_reached=int(sub["iterations"].notna().sum()), n_networks=len(sub),
            mean_iterations=float(ours.mean()), iterations_ci_low=it_low,
            iterations_ci_high=it_high, speedup_vs_plain=float(speedup),
            speedup_ci_low=low, speedup_ci_high=high,
        ))
    return pd.DataFrame(rows)


def _accuracy_rows(hits, preset):
    """Per condition: final validation and target accuracy with bootstrap CIs."""
    from ..stats import bootstrap_ci

    first = hits.drop_duplicates(["condition", "seed"])
    rows = []
    for condition, sub in first.groupby("condition", sort=False):
        row = {"condition": condition}
        for column in ("final_valid_acc", "target_acc"):
            values = sub[column].to_numpy(dtype=float)
            low, high = bootstrap_ci(np.mean, values, n_boot=preset.n_boot, random_state=0)
            row.update({column: float(values.mean()), f"{column}_ci_low": low,
                        f"{column}_ci_high": high})
        rows.append(row)
    return pd.DataFrame(rows)


def priors_benchmark(*, scale="small", data_home=None, random_state=0, verbose=1, **options):
    """Iterations to accuracy of every topological prior beside controls, with intervals.

    Conditions (:data:`CONDITIONS`): a plain net; the first layer fixed to primary-circle,
    Klein-bottle (Love et al.'s circle- and Klein-filter layers) or Gaussian filters; the
    responses to ``n_append`` fixed filters appended as input channels (the talk's boosted
    training) for the circle, the Klein bottle, and two controls with the same number of extra
    channels (Gaussian and random orthonormal filters); and the prior regulariser
    (``make_net(prior="primary_circle")``) at two weights. Every condition trains ``n_seeds``
    networks through :func:`sktopo.nn.train_many`, seed ``i`` shared by all conditions, with
    the validation accuracy recorded every ``eval_every`` iterations and the accuracy on a
    second digit domain after training. The table gives, per condition and threshold, the mean
    iterations to reach it and the speed-up over the plain net, each with a paired bootstrap
    95 % interval over seeds (a net that never reaches a threshold counts as ``max_iter + 1``,
    so its speed-up is a lower bound); ``accuracy.csv`` the final and transfer accuracies.

    Parameters
    ----------
    scale : {"tiny", "small", "paper"}, default="small"
        Preset of :data:`PRIORS_BENCHMARK_PRESETS`.
    data_home : str or None, default=None
        Folder with MNIST IDX files (required at paper scale) and optionally ``svhn/``.
    random_state : int, default=0
        Base seed of the networks.
    verbose : int, default=1
        Progress bars when > 0.
    **options
        Override fields of :class:`PriorsBenchmarkPreset`.

    Returns
    -------
    ExperimentResult
    """
    name = "priors_benchmark"
    preset = resolve_preset(name, PRIORS_BENCHMARK_PRESETS, scale, options)
    settings = preset.run_settings(scale=scale, random_state=random_state, data_home=data_home)
    start = time.perf_counter()
    data = digit_data(name, scale, preset, data_home, random_state)
    target = load_target_domain(name, scale, preset.target, data_home, preset.n_target,
                                random_state)
    settings.update(data=data.description, target_used=target.description)
    folder = preset_folder("priors-M", preset, analysis_fields=("n_boot", "thresholds"),
                           data=f"{data.description}; target {target.description}",
                           scale=scale, data_home=data_home, random_state=random_state)
    settings["run_folder"] = None if folder is None else str(folder)
    records = _train_records(settings, data, target, preset, random_state, verbose)
    hits = _hitting_table(records, preset.thresholds, preset.max_iter)
    table = _summary_rows(hits, preset)
    accuracy = _accuracy_rows(hits, preset)
    summary = _summary(table, accuracy, preset, data.description)
    summary["runtime_s"] = time.perf_counter() - start
    return ExperimentResult(
        name=name, table=table, settings=settings, summary=summary,
        figures={"speedups": _speedup_figure(table)},
        extra_files={"accuracy.csv": accuracy.to_csv(index=False),
                     "hitting_times.csv": hits.to_csv(index=False)},
    )


def _train_records(settings, data, target, preset, random_state, verbose):
    from ..nn import AccuracyRecorder

    callbacks = [
        ("valid", AccuracyRecorder(data.X_test, data.y_test, every=preset.eval_every)),
        ("target", AccuracyRecorder(target.X, target.y, every=preset.max_iter,
                                    name="target_acc")),
    ]
    return _train_conditions(settings, data, _configs(preset), random_state, verbose, callbacks)


def _summary(table, accuracy, preset, data_description):
    """Headline numbers: each condition's speed-up at the highest threshold all plain nets
    reached, the talk's factor beside them."""
    plain = table[table["condition"] == "plain"]
    reached = plain[plain["n_reached"] == plain["n_networks"]]["threshold"]
    summary = {"data": data_description, "talk_speedup_mnist": 2.0,
               "talk_iterations_mnist": {str(k): v for k, v in PAPER_BOOSTED["mnist"].items()}}
    if len(reached):
        t = float(reached.max())
        summary["reference_threshold"] = t
        at = table[table["threshold"] == t].set_index("condition")
        for condition, row in at.iterrows():
            summary[f"{condition}_speedup"] = round(float(row["speedup_vs_plain"]), 3)
            summary[f"{condition}_speedup_ci"] = [round(row["speedup_ci_low"], 3),
                                                  round(row["speedup_ci_high"], 3)]
    for _, row in accuracy.iterrows():
        summary[f"{row['condition']}_target_acc"] = round(float(row["target_acc"]), 4)
    return summary


def _speedup_figure(table):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for condition, sub in table.groupby("condition", sort=False):
        ax.errorbar(sub["threshold"], sub["speedup_vs_plain"],
                    yerr=[sub["speedup_vs_plain"] - sub["speedup_ci_low"],
                          sub["speedup_ci_high"] - sub["speedup_vs_plain"]],
                    marker="o", capsize=3, label=condition)
    ax.axhline(1.0, color="grey", lw=0.8)
    ax.set_xlabel("validation accuracy reached")
    ax.set_ylabel("speed-up over plain (iterations)")
    ax.set_title("Priors: speed-up with paired bootstrap 95 % intervals")
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return fig
