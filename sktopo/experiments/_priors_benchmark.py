"""A fair test of topological priors: how much faster does a net learn, and is it the topology?

The talk behind the paper reports 1.6-3.5x fewer batch iterations to a given validation
accuracy when primary-circle features are appended to the images; Love et al. (JMLR 2023)
report faster learning with fixed circle and Klein filter layers; an independent reproduction
found plain networks as good. :func:`priors_benchmark` trains every prior beside controls with
the same number of extra channels and the same seeds, and reports iterations to each accuracy
with bootstrap confidence intervals. The paper's own two prior experiments,
:func:`~._priors.cross_domain` and :func:`~._priors.boosted_training`, are presets of it
(:func:`run_priors`).
"""

import dataclasses
import time
import typing
from pathlib import Path

import numpy as np
import pandas as pd

from .._progress import progress
from ._data import digit_data, load_target_domain
from ._presets import DigitNetPreset, resolve_preset
from ..report import ExperimentResult
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

#: The talk's tables: validation accuracy -> batch iterations of the boosted net
#: (``appended_circle``, 64 filters) and the standard one (``plain``), M(64, 32, 64).
PAPER_BOOSTED = {
    "mnist": {
        0.8: (187, 293), 0.9: (378, 731), 0.95: (1046, 2052), 0.96: (1499, 2974),
        0.97: (2398, 4528), 0.98: (5516, 8802), 0.985: (9584, 16722),
    },
    "svhn": {
        0.25: (303, 1148), 0.5: (745, 2464), 0.75: (1655, 5866), 0.8: (2534, 8727),
        0.83: (4782, 13067), 0.84: (6312, 15624), 0.85: (8426, 21009),
    },
}
#: The paper's summary of those tables (Section VI), and their thresholds.
PAPER_SPEEDUP = {"mnist": 2.0, "svhn": 3.5}
PAPER_THRESHOLDS = {name: tuple(table) for name, table in PAPER_BOOSTED.items()}
#: The paper's SVHN accuracies of MNIST-trained M(64, 32, 64) (mean of three networks).
PAPER_CROSS_DOMAIN = {"fixed_circle": 0.28, "fixed_gaussian": 0.12, "plain": 0.11}


@dataclasses.dataclass(frozen=True, kw_only=True)
class PriorsBenchmarkPreset(DigitNetPreset):
    """Knobs of :func:`priors_benchmark` (beside those of :class:`DigitNetPreset`).

    Attributes
    ----------
    dataset : {"mnist", "svhn"}, default="mnist"
        Training digits; SVHN only without a transfer ``target``.
    n_seeds : int
        Networks per condition (at least 2, for an interval); seed ``i`` is shared by all
        conditions, so they differ only in the prior.
    n_append : int
        Appended channels of every ``appended_*`` condition (at most 8 with
        ``appended_orthogonal``: orthonormal zero-mean 3x3 filters span 8 dimensions).
    eval_every : int
        Batch iterations between validation evaluations.
    thresholds : tuple of float
        Validation accuracies whose first hitting iteration is reported; at paper scale the
        talk's thresholds of ``dataset`` unless given.
    prior_weights : tuple of float, default=(0.1, 1.0)
        The regulariser's weight in ``prior_low`` and ``prior_high``.
    n_target : int or None, default=None
        Target-domain images scored after training (None: all).
    target : {"auto", "svhn", "digits28"} or None
        Second digit domain for transfer ("auto": SVHN when its test file is in the data home,
        always at paper scale, else scikit-learn's digits at 28x28); None scores none.
    conditions : tuple of str
        Conditions compared (keys of :data:`CONDITIONS`; "plain" is always the reference).
    n_boot : int
        Bootstrap draws of the confidence intervals.
    """

    dataset: typing.Literal["mnist", "svhn"] = "mnist"
    n_seeds: int
    n_append: int
    eval_every: int
    thresholds: tuple[float, ...]
    prior_weights: tuple[float, float] = (0.1, 1.0)
    n_target: int | None = None
    target: typing.Literal["auto", "svhn", "digits28"] | None
    conditions: tuple[typing.Literal[tuple(CONDITIONS)], ...]
    n_boot: int = 1000

    def __post_init__(self):
        if not self.conditions:
            raise ValueError("conditions must name at least one condition, 'plain' among them.")
        if "plain" not in self.conditions:
            raise ValueError("conditions must include 'plain', the reference of every speed-up.")
        if not self.thresholds:
            raise ValueError("thresholds must name at least one validation accuracy.")
        if not 1 <= self.eval_every <= self.max_iter:
            raise ValueError(f"eval_every must be in 1..max_iter={self.max_iter}, or no accuracy "
                             f"is recorded; got {self.eval_every}.")
        if self.n_seeds < 2:
            raise ValueError(f"n_seeds must be at least 2 for an interval; got {self.n_seeds}.")
        if self.n_append < 1 or (self.n_append > 8 and "appended_orthogonal" in self.conditions):
            raise ValueError(f"n_append must be in 1..8 with appended_orthogonal (any positive "
                             f"count without); got {self.n_append}.")
        if self.dataset != "mnist" and self.target is not None:
            raise ValueError("dataset must be 'mnist' when a transfer target is scored; set "
                             "target=none to train on SVHN.")


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

#: Meanings of the report's own columns and fields (beside ``FIELD_MEANINGS``).
_DESCRIPTIONS = {
    "speedup_vs_plain": "mean iterations of plain / mean iterations of the condition to the "
                        "threshold, seeds paired; a miss counts as max_iter + 1",
    "censoring": "how misses bias the speed-up: none, lower bound (only plain missed), upper "
                 "bound (only the condition missed) or both censored",
    "mean_iterations": "mean first iteration at which the validation accuracy reached the "
                       "threshold, a miss counted as max_iter + 1",
    "n_reached": "networks of the condition that reached the threshold within max_iter",
    "paper_iterations": "the talk's iterations to the threshold (appended_circle: boosted, "
                        "plain: standard)",
    "speedup_definition": "how every speed-up of this report is computed",
    "reference_threshold": "the highest threshold every plain network reached",
}


def _net_config(preset, **extra):
    """:func:`~sktopo.nn.make_net` arguments of ``M(sizes)`` with the experiment's training
    settings; named filter banks in ``extra`` are drawn per network seed by the net itself."""
    from ..nn import net_config

    return net_config("M", preset.sizes, max_iter=preset.max_iter,
                      batch_size=preset.batch_size, device=preset.device, lr=preset.lr, **extra)


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


def _train(settings, data, target, preset, random_state, verbose):
    """Train ``n_seeds`` networks per condition through the one runner; records by condition.

    Network ``i`` of every condition gets seed :func:`sktopo.nn.network_seed`
    ``(random_state, i)``, so the conditions differ only in what they set. With a
    ``settings["run_folder"]`` each condition resumes from its own sub-folder.
    """
    from ..nn import AccuracyRecorder, train_many

    callbacks = [("valid", AccuracyRecorder(data.X_test, data.y_test, every=preset.eval_every))]
    if target is not None:  # scored once, at the last iteration
        callbacks.append(("target", AccuracyRecorder(target.X, target.y, every=preset.max_iter,
                                                     name="target_acc")))
    folder = settings["run_folder"]
    records = {}
    for condition, config in progress(_configs(preset).items(), verbose=verbose,
                                      desc="conditions"):
        records[condition] = train_many(
            config, preset.n_seeds, data.X_train, data.y_train,
            X_valid=data.X_test, y_valid=data.y_test, random_state=random_state,
            out_dir=None if folder is None else Path(folder) / condition,
            callbacks=callbacks, verbose=max(0, verbose - 1),
        )
    settings["network_seeds"] = [r["seed"] for r in next(iter(records.values()))]
    return records


def _event_values(record, key):
    """``(iterations, values)`` a callback recorded under ``key`` during one network's run."""
    events = [e for e in record["events"] if key in e]
    return [int(e["iteration"]) for e in events], [float(e[key]) for e in events]


def _curves(records):
    """One row per network and evaluation: the validation accuracy curve."""
    return pd.DataFrame([
        dict(condition=condition, seed=r["seed"], iteration=it, accuracy=acc)
        for condition, recs in records.items() for r in recs
        for it, acc in zip(*_event_values(r, "valid_acc"))
    ])


def _hitting_table(records, thresholds):
    """One row per network and threshold: first iteration reaching it (NaN when never)."""
    from ..nn import iterations_to_accuracy

    rows = []
    for condition, recs in records.items():
        for r in recs:
            first = iterations_to_accuracy(*_event_values(r, "valid_acc"), thresholds)
            target_acc = _event_values(r, "target_acc")[1]
            for t, hit in first.items():
                rows.append(dict(condition=condition, seed=r["seed"], threshold=t,
                                 iterations=np.nan if hit is None else hit,
                                 final_valid_acc=r["valid_acc"],
                                 target_acc=target_acc[-1] if target_acc else np.nan))
    return pd.DataFrame(rows)


def _speedup_rows(hits, preset):
    """Per condition and threshold: :func:`sktopo.stats.iterations_speedup` against plain."""
    from ..stats import iterations_speedup

    talk = PAPER_BOOSTED.get(preset.dataset, {})
    rows = []
    for (condition, t), sub in hits.groupby(["condition", "threshold"], sort=False):
        plain = hits[(hits["condition"] == "plain") & (hits["threshold"] == t)]
        r = iterations_speedup(sub.sort_values("seed")["iterations"],
                               plain.sort_values("seed")["iterations"], max_iter=preset.max_iter,
                               n_boot=preset.n_boot, random_state=0)
        paper = dict(zip(("appended_circle", "plain"), talk.get(t, ()))).get(condition, np.nan)
        rows.append(dict(
            condition=condition, role=ROLES[condition], threshold=t,
            n_reached=len(sub) - r.n_missed, n_networks=len(sub),
            mean_iterations=r.mean_iterations, iterations_ci_low=r.iterations_ci_low,
            iterations_ci_high=r.iterations_ci_high, speedup_vs_plain=r.speedup,
            speedup_ci_low=r.speedup_ci_low, speedup_ci_high=r.speedup_ci_high,
            censoring=r.censoring, paper_iterations=paper,
        ))
    return pd.DataFrame(rows), r.definition  # one definition for every row


def _accuracy_rows(hits, preset):
    """Per condition: final validation (and target) accuracy with bootstrap CIs."""
    from ..stats import bootstrap_ci

    columns = ["final_valid_acc"] + (["target_acc"] if preset.target is not None else [])
    rows = []
    for condition, sub in hits.drop_duplicates(["condition", "seed"]).groupby("condition",
                                                                               sort=False):
        row = {"condition": condition}
        for column in columns:
            values = sub[column].to_numpy(dtype=float)
            low, high = bootstrap_ci(np.mean, values, n_boot=preset.n_boot, random_state=0)
            row.update({column: float(values.mean()), f"{column}_ci_low": low,
                        f"{column}_ci_high": high})
        rows.append(row)
    return pd.DataFrame(rows)


def run_priors(name, presets, *, scale, data_home, random_state, verbose, options):
    """Run the benchmark under experiment ``name`` with its scale ``presets`` (the engine of
    :func:`priors_benchmark`, :func:`~._priors.cross_domain` and
    :func:`~._priors.boosted_training`)."""
    preset = resolve_preset(name, presets, scale, options)
    if scale == "paper" and "thresholds" not in options:
        preset = dataclasses.replace(preset, thresholds=PAPER_THRESHOLDS[preset.dataset])
    settings = preset.run_settings(scale=scale, random_state=random_state, data_home=data_home)
    start = time.perf_counter()
    data = digit_data(name, scale, preset, data_home, random_state)
    target = None if preset.target is None else load_target_domain(
        name, scale, preset.target, data_home, preset.n_target, random_state)
    target_text = "none" if target is None else target.description
    settings.update(data=data.description, target_used=target_text,
                    n_train_used=len(data.X_train), n_test_used=len(data.X_test))
    # Each condition trains in its own sub-folder, so the choice and number of conditions do
    # not name the folder: another preset reuses the networks it shares.
    folder = preset_folder("priors-M", preset,
                           analysis_fields=("n_boot", "thresholds", "n_seeds", "conditions"),
                           data=f"{data.description}; target {target_text}", scale=scale,
                           data_home=data_home, random_state=random_state)
    settings["run_folder"] = None if folder is None else str(folder)
    records = _train(settings, data, target, preset, random_state, verbose)
    hits = _hitting_table(records, preset.thresholds)
    table, definition = _speedup_rows(hits, preset)
    accuracy = _accuracy_rows(hits, preset)
    curves = _curves(records)
    summary = {"data": data.description, "target_domain": target_text,
               "speedup_definition": definition, **_summary(table, accuracy, preset),
               "runtime_s": time.perf_counter() - start}
    figures = {"speedups": _speedup_figure(table), "accuracy_curves": _curves_figure(curves)}
    if target is not None:
        figures["transfer"] = _transfer_figure(hits, target.name)
    return ExperimentResult(
        name=name, table=table, settings=settings, summary=summary, figures=figures,
        descriptions=_DESCRIPTIONS,
        extra_files={"accuracy.csv": accuracy.to_csv(index=False),
                     "hitting_times.csv": hits.to_csv(index=False),
                     "curves.csv": curves.to_csv(index=False)},
    )


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
    second digit domain after training.

    The table gives, per condition and threshold, the mean iterations to reach it and the
    speed-up over the plain net (:func:`sktopo.stats.iterations_speedup`: the ratio of mean
    iterations, each with a paired bootstrap 95 % interval over seeds). A net that never
    reaches a threshold counts as ``max_iter + 1``; ``n_reached`` says how many did and
    ``censoring`` which way the misses bias the speed-up.

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
        Override fields of :class:`PriorsBenchmarkPreset`; ``out_dir`` keeps the finished
        networks in a sub-folder per training configuration, reused by a rerun.

    Returns
    -------
    ExperimentResult
        ``table``: one row per condition and threshold; ``accuracy.csv``: final and transfer
        accuracies with intervals (and the paper's SVHN accuracies); ``hitting_times.csv``: one
        row per network and threshold; ``curves.csv``: every validation curve; figures
        ``speedups``, ``accuracy_curves`` (Fig. 13) and, with a target, ``transfer``.
    """
    return run_priors("priors_benchmark", PRIORS_BENCHMARK_PRESETS, scale=scale,
                      data_home=data_home, random_state=random_state, verbose=verbose,
                      options=options)


def _summary(table, accuracy, preset):
    """Headline numbers: each condition's speed-up at the highest threshold all plain nets
    reached and its accuracies, the paper's numbers beside them."""
    summary = {}
    plain = table[table["condition"] == "plain"]
    reached = plain[plain["n_reached"] == plain["n_networks"]]["threshold"]
    if len(reached):
        summary["reference_threshold"] = float(reached.max())
        at = table[table["threshold"] == reached.max()].set_index("condition")
        for condition, row in at.iterrows():
            summary[f"{condition}_speedup"] = round(float(row["speedup_vs_plain"]), 3)
            summary[f"{condition}_speedup_ci"] = [round(row["speedup_ci_low"], 3),
                                                  round(row["speedup_ci_high"], 3)]
            summary[f"{condition}_speedup_censoring"] = row["censoring"]
    if "appended_circle" in preset.conditions:
        summary["paper_appended_circle_speedup"] = PAPER_SPEEDUP[preset.dataset]
    for _, row in accuracy.iterrows():
        c = row["condition"]
        summary[f"{c}_final_valid_acc"] = round(float(row["final_valid_acc"]), 4)
        if preset.target is not None:
            summary[f"{c}_target_acc"] = round(float(row["target_acc"]), 4)
            if c in PAPER_CROSS_DOMAIN:
                summary[f"paper_{c}_svhn_acc"] = PAPER_CROSS_DOMAIN[c]
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
    ax.set_ylabel("speed-up over plain (ratio of mean iterations)")
    ax.set_title("Priors: speed-up with paired bootstrap 95 % intervals\n"
                 "(a net that never reaches a threshold counts as max_iter + 1)", fontsize=10)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return fig


def _curves_figure(curves):
    """Mean validation curve per condition (the paper's Fig. 13)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for condition, sub in curves.groupby("condition", sort=False):
        mean = sub.groupby("iteration")["accuracy"].mean()
        ax.plot(mean.index, mean.to_numpy(), label=condition)
    ax.set_xlabel("batch iterations")
    ax.set_ylabel("validation accuracy (mean over seeds)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def _transfer_figure(hits, target):
    """Final and target accuracy per condition, a dot per network, the paper's SVHN stars."""
    import matplotlib.pyplot as plt

    nets = hits.drop_duplicates(["condition", "seed"])
    conditions = list(dict.fromkeys(nets["condition"]))
    x = np.arange(len(conditions))
    fig, ax = plt.subplots(figsize=(6, 4))
    for offset, column, label in ((-0.2, "final_valid_acc", "validation"),
                                  (0.2, "target_acc", f"target ({target})")):
        values = [nets.loc[nets["condition"] == c, column].to_numpy() for c in conditions]
        ax.bar(x + offset, [v.mean() for v in values], width=0.4, label=label, alpha=0.7)
        for xi, v in zip(x + offset, values):
            ax.plot(np.full(len(v), xi), v, "k.", ms=4)
    ax.plot(x + 0.2, [PAPER_CROSS_DOMAIN.get(c, np.nan) for c in conditions], "r*", ms=10,
            label="paper (SVHN)")
    ax.set_xticks(x, [c.replace("_", " ") for c in conditions])
    ax.set_ylabel("accuracy")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8)
    ax.set_title("First layer prior and transfer to another digit domain")
    fig.tight_layout()
    return fig
