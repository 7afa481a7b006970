"""Topological priors: fixed idealised first layers for transfer, appended filters for speed.

Two experiments of the paper's Section VI and the accompanying talk:

* :func:`cross_domain`: M nets trained on MNIST with the first conv layer fixed to the primary
  circle, fixed to Gaussian filters, or trained, then evaluated on another digit domain.
* :func:`boosted_training`: batch iterations to reach given accuracies when the responses of an
  idealised filter bank are appended to the input (Fig. 13 and the talk's speed-up tables).
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
from ._result import ExperimentResult
from ._runs import preset_folder

#: Idealised banks a first layer can be fixed to, and banks whose responses can be appended.
_FIXED_KINDS = ("primary_circle", "gaussian", "klein_bottle", "three_circle")
_APPENDED_KINDS = ("primary_circle", "klein_bottle", "gaussian", "three_circle")


def _check_conditions(conditions):
    if not conditions:
        raise ValueError("conditions must name at least one condition.")


@dataclasses.dataclass(frozen=True, kw_only=True)
class CrossDomainPreset(DigitNetPreset):
    """Knobs of :func:`cross_domain` (beside those of :class:`DigitNetPreset`).

    Attributes
    ----------
    dataset : {"mnist"}, default="mnist"
        The networks train on MNIST, the paper's direction.
    n_seeds : int
        Networks per condition; seed ``i`` is shared by the conditions.
    n_target : int or None
        Target-domain images scored (None: all).
    target : {"auto", "svhn", "digits28"}
        Target domain; "auto" is SVHN when its test file is in the data home (always at paper
        scale), else scikit-learn's digits rescaled to 28x28.
    conditions : tuple of str
        First layers compared: "trained" or fixed to an idealised bank.
    """

    dataset: typing.Literal["mnist"] = "mnist"
    n_seeds: int
    n_target: int | None
    target: typing.Literal["auto", "svhn", "digits28"]
    conditions: tuple[typing.Literal[_FIXED_KINDS + ("trained",)], ...]

    def __post_init__(self):
        _check_conditions(self.conditions)


#: Scale presets of :func:`cross_domain`.
CROSS_DOMAIN_PRESETS = {
    "tiny": CrossDomainPreset(
        sizes=(8, 0, 16), n_seeds=1, max_iter=30, batch_size=64, n_train=600, n_test=200,
        n_target=300, target="auto", conditions=("primary_circle", "gaussian", "trained"),
    ),
    "small": CrossDomainPreset(
        sizes=(32, 16, 32), n_seeds=3, max_iter=500, batch_size=64, n_train=4000, n_test=1000,
        n_target=None, target="auto", conditions=("primary_circle", "gaussian", "trained"),
    ),
    "paper": CrossDomainPreset(
        sizes=(64, 32, 64), n_seeds=3, max_iter=40000, batch_size=128, n_train=None,
        n_test=None, n_target=None, target="auto",
        conditions=("primary_circle", "gaussian", "trained"),
    ),
}

#: The paper's SVHN accuracies of MNIST-trained M(64, 32, 64) (mean of three networks).
PAPER_CROSS_DOMAIN = {"primary_circle": 0.28, "gaussian": 0.12, "trained": 0.11}

@dataclasses.dataclass(frozen=True, kw_only=True)
class BoostedPreset(DigitNetPreset):
    """Knobs of :func:`boosted_training` (beside those of :class:`DigitNetPreset`).

    Attributes
    ----------
    n_seeds : int
        Networks per condition; seed ``i`` is shared by the conditions.
    n_append : int
        Filter responses appended to every image.
    eval_every : int
        Batch iterations between accuracy evaluations.
    thresholds : tuple of float
        Validation accuracies whose first hitting iteration is reported.
    conditions : tuple of str
        Appended banks compared, and "normal" (none).
    """

    n_seeds: int
    n_append: int
    eval_every: int
    thresholds: tuple[float, ...]
    conditions: tuple[typing.Literal[_APPENDED_KINDS + ("normal",)], ...]

    def __post_init__(self):
        _check_conditions(self.conditions)


#: Scale presets of :func:`boosted_training`. ``thresholds`` are validation accuracies; the
#: paper-scale ones are the talk's tables (MNIST; SVHN uses ``PAPER_THRESHOLDS["svhn"]``).
BOOSTED_PRESETS = {
    "tiny": BoostedPreset(
        dataset="mnist", sizes=(8, 0, 16), n_seeds=1, max_iter=40, batch_size=64, n_train=600,
        n_test=200, n_append=8, eval_every=10, thresholds=(0.2, 0.3, 0.4),
        conditions=("primary_circle", "klein_bottle", "gaussian", "normal"),
    ),
    "small": BoostedPreset(
        dataset="mnist", sizes=(16, 16, 32), n_seeds=1, max_iter=600, batch_size=64,
        n_train=4000, n_test=1000, n_append=16, eval_every=25,
        thresholds=(0.5, 0.7, 0.8, 0.85, 0.9, 0.93),
        conditions=("primary_circle", "klein_bottle", "gaussian", "normal"),
    ),
    "paper": BoostedPreset(
        dataset="mnist", sizes=(64, 32, 64), n_seeds=3, max_iter=20000, batch_size=128,
        n_train=None, n_test=None, n_append=64, eval_every=100,
        thresholds=(0.8, 0.9, 0.95, 0.96, 0.97, 0.98, 0.985),
        conditions=("primary_circle", "klein_bottle", "gaussian", "normal"),
    ),
}

#: The talk's tables: validation accuracy -> batch iterations (boosted with the primary
#: circle, standard). MNIST: factor 2; SVHN: factor 3.5 (paper, Section VI).
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
PAPER_SPEEDUP = {"mnist": 2.0, "svhn": 3.5}
PAPER_THRESHOLDS = {name: tuple(table) for name, table in PAPER_BOOSTED.items()}

def _net_config(preset, **extra):
    """:func:`~sktopo.nn.make_net` arguments of ``M(sizes)`` with the experiment's training
    settings; named filter banks in ``extra`` are drawn per network seed by the net itself."""
    return {"arch": "M", "sizes": preset.sizes, "max_iter": preset.max_iter, "lr": preset.lr,
            "batch_size": preset.batch_size, "device": preset.device, **extra}


def _train_conditions(settings, data, configs, random_state, verbose, callbacks):
    """Train ``n_seeds`` networks per condition through the one runner; records by condition.

    Network ``i`` of every condition gets seed :func:`sktopo.nn.network_seed`
    ``(random_state, i)``, so the conditions differ only in what they set. With a
    ``settings["run_folder"]`` each condition resumes from its own sub-folder.
    """
    from ..nn import train_many

    folder = settings["run_folder"]
    records = {}
    for condition in progress(settings["conditions"], verbose=verbose, desc="conditions"):
        records[condition] = train_many(
            configs[condition], settings["n_seeds"], data.X_train, data.y_train,
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


def cross_domain(*, scale="small", data_home=None, random_state=0, verbose=1, **options):
    """MNIST-trained nets with a primary-circle, Gaussian or trained first layer, tested on
    another digit domain (paper, Section VI: 28 % / 12 % / 11 % on SVHN).

    Networks ``M(X, Y, Z)`` are trained on MNIST under three conditions: (i) first conv layer
    fixed to ``X`` evenly rotated primary-circle filters (bias 0, not trained), (ii) fixed to
    ``X`` random Gaussian filters (a fresh draw per seed), (iii) trained as usual. Each is
    scored on the MNIST test images (source) and on the target domain: SVHN's test set as
    28x28 grayscale when ``data_home`` holds ``svhn/test_32x32.mat``, otherwise scikit-learn's
    digits rescaled to 28x28 (:func:`sktopo.datasets.load_digits_28`), which is a much easier,
    MNIST-like target. The summary's ``target_domain`` says which was used. A paper-scale run
    needs the full MNIST and the SVHN test file, and refuses without them.

    The paper trains M(64, 32, 64) for 40,000 batch iterations (test accuracy about 99 %),
    three networks per condition, and reports SVHN accuracies of 28 % (primary circle), 12 %
    (Gaussian) and 11 % (trained).

    Parameters
    ----------
    scale : {"tiny", "small", "paper"}, default="small"
        Preset of :data:`CROSS_DOMAIN_PRESETS`.
    data_home : str or None, default=None
        Folder with ``mnist/`` IDX files (full MNIST) and/or ``svhn/`` .mat files (target).
    random_state : int, default=0
        Base seed; seed ``i`` is :func:`sktopo.nn.network_seed` ``(random_state, i)`` and is
        shared by the conditions, so they start from the same initial weights elsewhere.
    verbose : int, default=1
        Progress bar when > 0.
    **options
        Override fields of :class:`CrossDomainPreset`: ``sizes``, ``n_seeds``, ``max_iter``,
        ``batch_size``, ``lr``, ``n_train``, ``n_test``, ``n_target``, ``target`` (auto, svhn,
        digits28), ``conditions`` ("primary_circle,gaussian,trained"; also klein_bottle,
        three_circle), ``device``, ``out_dir`` (finished rows are kept in a sub-folder per
        training configuration and reused by a rerun).

    Returns
    -------
    ExperimentResult
        ``table``: one row per condition and seed plus one ``seed="mean"`` row per condition
        (``source_test_acc``, ``target_acc``); figure ``cross_domain``.
    """
    from ..nn import AccuracyRecorder

    name = "cross_domain"
    preset = resolve_preset(name, CROSS_DOMAIN_PRESETS, scale, options)
    settings = preset.run_settings(scale=scale, random_state=random_state, data_home=data_home)
    start = time.perf_counter()
    data = digit_data(name, scale, preset, data_home, random_state)
    target = load_target_domain(name, scale, preset.target, data_home, preset.n_target,
                                random_state)
    what = data.description
    settings.update(source=what, target_used=target.name, n_target_used=len(target.X),
                    n_train_used=len(data.X_train), n_test_used=len(data.X_test))
    # The rows hold target accuracies, so the target used is part of what names the folder.
    folder = preset_folder("cross_domain-M", preset, analysis_fields=("n_seeds", "conditions"),
                           data=f"{what}; target {target.description}", scale=scale,
                           data_home=data_home, random_state=random_state)
    settings["run_folder"] = None if folder is None else str(folder)

    configs = {c: _net_config(preset, **({} if c == "trained" else
                                          {"module__fixed_filters": c}))
               for c in preset.conditions}
    # The target domain is scored once, at the last iteration, by a callback of the runner.
    scorer = AccuracyRecorder(target.X, target.y, every=preset.max_iter)
    records = _train_conditions(settings, data, configs, random_state, verbose,
                                [("target", scorer)])
    rows = [
        dict(condition=c, seed=str(r["seed"]), source_test_acc=r["valid_acc"],
             target_acc=_event_values(r, "valid_acc")[1][-1], train_time_s=r["train_time_s"])
        for c, recs in records.items() for r in recs
    ]
    table = pd.DataFrame(rows)
    means = (table.groupby("condition", sort=False)[["source_test_acc", "target_acc",
                                                     "train_time_s"]].mean().reset_index())
    means["seed"] = "mean"
    table = pd.concat([table, means[table.columns]], ignore_index=True)
    table["target"] = target.name

    summary = {"target_domain": target.description, "source": what}
    for c in preset.conditions:
        m = means.set_index("condition").loc[c]
        summary[f"{c}_target_acc"] = float(m["target_acc"])
        summary[f"{c}_source_test_acc"] = float(m["source_test_acc"])
        if c in PAPER_CROSS_DOMAIN:
            summary[f"paper_{c}_svhn_acc"] = PAPER_CROSS_DOMAIN[c]
    summary["runtime_s"] = time.perf_counter() - start
    return ExperimentResult(
        name=name,
        table=table,
        figures={"cross_domain": _cross_domain_figure(table, target.name)},
        settings=settings,
        summary=summary,
    )


def _cross_domain_figure(table, target):
    import matplotlib.pyplot as plt

    per = table[table["seed"] != "mean"]
    conds = list(dict.fromkeys(per["condition"]))
    fig, ax = plt.subplots(figsize=(6, 4))
    x = np.arange(len(conds))
    for off, col, label in ((-0.2, "source_test_acc", "MNIST test"),
                            (0.2, "target_acc", f"target ({target})")):
        vals = [per.loc[per["condition"] == c, col].to_numpy() for c in conds]
        ax.bar(x + off, [v.mean() for v in vals], width=0.4, label=label, alpha=0.7)
        for xi, v in zip(x + off, vals):
            ax.plot(np.full(len(v), xi), v, "k.", ms=4)
    paper = [PAPER_CROSS_DOMAIN.get(c, np.nan) for c in conds]
    ax.plot(x + 0.2, paper, "r*", ms=10, label="paper (SVHN)")
    ax.set_xticks(x, [c.replace("_", " ") for c in conds])
    ax.set_ylabel("accuracy")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8)
    ax.set_title("First layer prior and transfer to another digit domain")
    fig.tight_layout()
    return fig


def boosted_training(*, scale="small", data_home=None, random_state=0, verbose=1, **options):
    """Batch iterations to reach each validation accuracy with primary-circle, Klein-bottle,
    Gaussian or no appended filter responses (paper Fig. 13; talk: 2x faster on MNIST, 3.5x on
    SVHN).

    Every input image gets ``n_append`` extra channels: its responses to a fixed bank of 3x3
    filters (:class:`sktopo.nn.AppendedFilters`): evenly rotated primary-circle filters, random
    points of the Klein bottle, or random Gaussian filters (fresh draws per seed), or none
    ("normal"). :class:`sktopo.nn.AccuracyRecorder` scores held-out images every
    ``eval_every`` iterations and :func:`sktopo.nn.iterations_to_accuracy` finds the first
    iteration at which each threshold is reached.

    The talk's tables (MNIST, SVHN) give iterations to each validation accuracy for the
    primary-circle "boosted" net and the standard net, e.g. 0.98 on MNIST in 5,516 vs 8,802
    iterations and 0.85 on SVHN in 8,426 vs 21,009; the paper summarises this as a 2x speed-up
    on MNIST and 3.5x on SVHN, with the Klein bottle second and Gaussian filters behind both.

    Parameters
    ----------
    scale : {"tiny", "small", "paper"}, default="small"
        Preset of :data:`BOOSTED_PRESETS`.
    data_home : str or None, default=None
        Folder with ``mnist/`` IDX files or, with ``dataset=svhn``, ``svhn/`` .mat files.
    random_state : int, default=0
        Base seed; seed ``i`` is shared by the conditions.
    verbose : int, default=1
        Progress bar when > 0.
    **options
        Override fields of :class:`BoostedPreset`: ``dataset`` (mnist, svhn: 28x28 grayscale),
        ``sizes``, ``n_seeds``, ``max_iter``, ``batch_size``, ``lr``, ``n_train``, ``n_test``,
        ``n_append``, ``eval_every``, ``thresholds`` ("0.8,0.9"), ``conditions``
        ("primary_circle,klein_bottle,gaussian,normal"; also three_circle), ``device``,
        ``out_dir`` (finished curves are kept in a sub-folder per training configuration and
        reused by a rerun).

    Returns
    -------
    ExperimentResult
        ``table``: one row per condition and threshold (mean iterations over the seeds that
        reached it, how many did, speed-up against "normal", the talk's numbers where they
        exist); ``extra_files["curves.csv"]``: every accuracy curve; figure
        ``fig13_accuracy_curves``.
    """
    from ..nn import AccuracyRecorder, iterations_to_accuracy

    name = "boosted_training"
    preset = resolve_preset(name, BOOSTED_PRESETS, scale, options)
    if scale == "paper" and preset.dataset == "svhn" and "thresholds" not in options:
        preset = dataclasses.replace(preset, thresholds=PAPER_THRESHOLDS["svhn"])
    settings = preset.run_settings(scale=scale, random_state=random_state, data_home=data_home)
    start = time.perf_counter()
    data = digit_data(name, scale, preset, data_home, random_state)
    what = data.description
    settings.update(data=what, n_train_used=len(data.X_train), n_valid_used=len(data.X_test))
    folder = preset_folder("boosted-M", preset,
                           analysis_fields=("n_seeds", "conditions", "thresholds"), data=what,
                           scale=scale, data_home=data_home, random_state=random_state)
    settings["run_folder"] = None if folder is None else str(folder)

    configs = {c: _net_config(preset, **({} if c == "normal" else
                                          {"module__append_filters": c,
                                           "module__n_append": preset.n_append}))
               for c in preset.conditions}
    recorder = AccuracyRecorder(data.X_test, data.y_test, every=preset.eval_every)
    records = _train_conditions(settings, data, configs, random_state, verbose,
                                [("accuracy", recorder)])
    curves = []
    for c, recs in records.items():
        for r in recs:
            its, accs = _event_values(r, "valid_acc")
            curves.append(dict(condition=c, seed=r["seed"], iterations=its, accuracies=accs,
                               train_time_s=r["train_time_s"]))

    thresholds = [float(t) for t in preset.thresholds]
    hits = {}
    for c in curves:
        first = iterations_to_accuracy(c["iterations"], c["accuracies"], thresholds)
        for t, it in first.items():
            hits.setdefault((c["condition"], t), []).append(it)
    paper = PAPER_BOOSTED.get(preset.dataset, {})
    rows = []
    for cond in preset.conditions:
        for t in thresholds:
            reached = [v for v in hits[(cond, t)] if v is not None]
            mean = float(np.mean(reached)) if reached else float("nan")
            normal = [v for v in hits.get(("normal", t), []) if v is not None]
            normal_mean = float(np.mean(normal)) if normal else float("nan")
            boosted_paper, standard_paper = paper.get(t, (np.nan, np.nan))
            rows.append(dict(
                condition=cond, threshold=t, iterations=mean,
                n_reached=len(reached), n_seeds=len(hits[(cond, t)]),
                speedup_vs_normal=normal_mean / mean if reached and normal else float("nan"),
                paper_iterations_boosted=boosted_paper if cond == "primary_circle" else np.nan,
                paper_iterations_standard=standard_paper if cond == "normal" else np.nan,
            ))
    table = pd.DataFrame(rows)
    curve_rows = [
        dict(condition=c["condition"], seed=c["seed"], iteration=it, accuracy=a)
        for c in curves for it, a in zip(c["iterations"], c["accuracies"])
    ]
    curve_table = pd.DataFrame(curve_rows)

    summary = {"data": what}
    for cond in preset.conditions:
        sub = table[(table["condition"] == cond) & table["speedup_vs_normal"].notna()]
        if cond != "normal":
            summary[f"{cond}_mean_speedup"] = (
                float(sub["speedup_vs_normal"].mean()) if len(sub) else float("nan"))
        final = curve_table[curve_table["condition"] == cond].groupby("seed")["accuracy"].last()
        summary[f"{cond}_final_accuracy"] = float(final.mean()) if len(final) else float("nan")
    both = table[(table["condition"] == "primary_circle") & table["speedup_vs_normal"].notna()]
    if len(both):
        top = both.iloc[-1]
        summary["primary_circle_speedup_at_highest_common_threshold"] = float(
            top["speedup_vs_normal"])
        summary["highest_common_threshold"] = float(top["threshold"])
    summary["paper_primary_circle_speedup"] = PAPER_SPEEDUP.get(preset.dataset)
    summary["runtime_s"] = time.perf_counter() - start
    return ExperimentResult(
        name=name,
        table=table,
        figures={"fig13_accuracy_curves": _curves_figure(curve_table, preset)},
        settings=settings,
        summary=summary,
        extra_files={"curves.csv": curve_table.to_csv(index=False)},
    )


def _curves_figure(curves, preset):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for cond, sub in curves.groupby("condition", sort=False):
        mean = sub.groupby("iteration")["accuracy"].mean()
        ax.plot(mean.index, mean.to_numpy(), label=cond.replace("_", " "))
    ax.set_xlabel("batch iterations")
    ax.set_ylabel("validation accuracy")
    ax.set_title(f"Appended filter responses, M{preset.sizes} on {preset.dataset.upper()}")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
