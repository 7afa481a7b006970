"""Topology as a measure of generality: max H1 lifetime versus test accuracy (paper, Fig. 12).

The experiment trains ``M`` networks, snapshots their first layer during training, and follows
two curves over the batch iterations: test accuracy, and the lifetime of the longest H1 bar of
the pooled first-layer filters after :math:`\\rho(k, p)`. It reports their correlation and fits
the *generalisation-measure regression*, a scikit-learn Pipeline from filter clouds to test
accuracy whose density and persistence parameters GridSearchCV can tune
(:func:`sktopo.pipeline.make_generalization_regression`,
:func:`sktopo.pipeline.generalization_grid_search`).

Presets are typed in :mod:`._presets` and the digit images loaded by :mod:`._data`, both
shared with :mod:`._priors` (cross-domain transfer and boosted training).
"""

import dataclasses
import time

import numpy as np
import pandas as pd

from ..filters import n_kept
from ..pipeline import fit_topology, generalization_grid_search
from ._data import digit_data
from ._presets import DigitNetPreset, resolve_preset
from ..report import ExperimentResult
from ._runs import preset_folder


@dataclasses.dataclass(frozen=True, kw_only=True)
class GeneralizationPreset(DigitNetPreset):
    """Knobs of :func:`generalization_measure` (beside those of :class:`DigitNetPreset`).

    Attributes
    ----------
    n_networks : int
        Networks trained from independent seeds, their first layers pooled at every snapshot.
    snapshot_every : int
        Batch iterations between snapshots (iteration 0 and ``max_iter`` included).
    k, p : int, float
        Density filtration ``rho(k, p)`` of the pooled first layers.
    n_landmarks : int
        Landmarks of the witness barcode.
    grid_k, grid_p : tuple of int, tuple of float
        GridSearchCV grid of the regression.
    """

    n_networks: int
    snapshot_every: int
    k: int
    p: float
    n_landmarks: int
    grid_k: tuple[int, ...]
    grid_p: tuple[float, ...]


#: Scale presets of :func:`generalization_measure`. ``n_networks`` nets are trained from
#: independent seeds and their first layers pooled at every snapshot (the paper's ``N x M``
#: notation), because one M(64, 32, 64) has only 64 first-layer filters: too few for
#: :math:`\rho(100, 0.1)`. ``grid_k`` / ``grid_p`` are the GridSearchCV grid of the regression.
#: "small" trades the second conv layer for a wide first one (128 filters per net): on a CPU,
#: the count of first-layer filters matters more for a visible circle than the depth.
GENERALIZATION_PRESETS = {
    "tiny": GeneralizationPreset(
        dataset="mnist", sizes=(8, 0, 16), n_networks=2, max_iter=40, snapshot_every=10,
        batch_size=64, n_train=600, n_test=200, k=4, p=1.0, n_landmarks=16,
        grid_k=(4, 8), grid_p=(0.5, 1.0),
    ),
    "small": GeneralizationPreset(
        dataset="mnist", sizes=(128, 0, 32), n_networks=2, max_iter=800, snapshot_every=100,
        batch_size=64, n_train=4000, n_test=1000, k=15, p=0.3, n_landmarks=100,
        grid_k=(10, 15, 30), grid_p=(0.2, 0.3, 0.5),
    ),
    "paper": GeneralizationPreset(
        dataset="mnist", sizes=(64, 32, 64), n_networks=16, max_iter=40000, snapshot_every=2000,
        batch_size=128, n_train=None, n_test=None, k=100, p=0.1, n_landmarks=100,
        grid_k=(50, 100, 200), grid_p=(0.05, 0.1, 0.3),
    ),
}

#: Fields that change only the analysis, not the networks (the rest names their folder; more
#: networks extend a folder).
_ANALYSIS_FIELDS = ("n_networks", "k", "p", "n_landmarks", "grid_k", "grid_p")

#: The paper's numbers for Section VI (max H1 lifetime of the first layer at rho(100, 0.1)
#: after 40,000 batch iterations; no correlation coefficient is printed, only Fig. 12's curves).
PAPER_GENERALIZATION = {
    "paper_max_lifetime_h1_mnist_40k": 1.10,
    "paper_max_lifetime_h1_svhn_40k": 1.27,
    "paper_test_accuracy_mnist_40k": 0.99,
    "paper_test_accuracy_svhn_40k": 0.85,
}


# --------------------------------------------------------------------------- training
def _snapshot_schedule(max_iter, every):
    its = list(range(0, max_iter + 1, every))
    if its[-1] != max_iter:
        its.append(max_iter)
    return its


def _net_config(preset):
    """The :func:`~sktopo.nn.make_net` arguments of the preset's networks."""
    from ..nn import net_config

    return net_config("M", preset.sizes, max_iter=preset.max_iter,
                      batch_size=preset.batch_size, device=preset.device, lr=preset.lr)


def _twin_axes_figure(iterations, accuracy, lifetime, title):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(iterations, accuracy, "o-", color="tab:blue", label="test accuracy")
    ax.set_xlabel("batch iterations")
    ax.set_ylabel("test accuracy", color="tab:blue")
    ax.tick_params(axis="y", labelcolor="tab:blue")
    ax2 = ax.twinx()
    ax2.plot(iterations, lifetime, "s--", color="tab:red", label="max H1 lifetime")
    ax2.set_ylabel("max H1 lifetime (first layer)", color="tab:red")
    ax2.tick_params(axis="y", labelcolor="tab:red")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def _regression_figure(lifetime, accuracy, predicted, feature_name):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 4))
    ax.scatter(lifetime, accuracy, label="snapshots")
    order = np.argsort(lifetime)
    ax.plot(np.asarray(lifetime)[order], np.asarray(predicted)[order], "r-",
            label="cross-validated regression (refit)")
    ax.set_xlabel(f"{feature_name} (best rho(k, p))")
    ax.set_ylabel("test accuracy")
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    return fig


def generalization_measure(*, scale="small", data_home=None, random_state=0, verbose=1,
                           **options):
    r"""Test accuracy and max H1 lifetime of the first layer over training (paper, Fig. 12).

    ``n_networks`` networks ``M(X, Y, Z)`` are trained on MNIST (the full IDX files under
    ``data_home``; below paper scale the embedded 5,000-image subset when there are none) or
    SVHN (``dataset=svhn``, files under ``data_home``, 28x28 grayscale).
    :class:`sktopo.nn.WeightSnapshots` records the first conv layer and the held-out test
    accuracy every ``snapshot_every`` batch iterations. At each snapshot the first-layer filters
    of all networks are pooled and described by :func:`~sktopo.pipeline.make_topology_pipeline`
    (mean-centre, normalise, drop dead filters, :math:`\rho(k, p)`, lazy witness barcode),
    giving the longest H1 lifetime. The experiment tabulates (iteration, test accuracy, max H1
    lifetime), reports their Pearson and Spearman correlations, plots both curves against the
    iterations on twin axes, and fits the generalisation-measure regression
    (:func:`~sktopo.pipeline.make_generalization_regression`) with GridSearchCV over
    ``topology__density__k`` and
    ``topology__density__p`` (:func:`~sktopo.pipeline.generalization_grid_search`).

    The paper (Section VI) trains M(64, 32, 64) for 40,000 iterations, uses
    :math:`\rho(100, 0.1)` and shows that both curves rise together; after 40,000 iterations
    the max H1 lifetime is 1.10 on MNIST (test accuracy about 99 %) and 1.27 on SVHN (about
    85 %). It prints no correlation coefficient.

    Parameters
    ----------
    scale : {"tiny", "small", "paper"}, default="small"
        Preset of :data:`GENERALIZATION_PRESETS`.
    data_home : str or None, default=None
        Folder with ``mnist/`` IDX files or ``svhn/`` .mat files.
    random_state : int, default=0
        Base seed (network ``i`` uses :func:`sktopo.nn.network_seed`).
    verbose : int, default=1
        Progress bars when > 0.
    **options
        Override fields of :class:`GeneralizationPreset` (strings are converted): ``dataset``
        (mnist, svhn), ``sizes`` ("64,32,64"), ``n_networks``, ``max_iter``,
        ``snapshot_every``, ``batch_size``, ``lr``, ``n_train``, ``n_test``, ``k``, ``p``,
        ``n_landmarks``, ``grid_k`` ("50,100"), ``grid_p`` ("0.1,0.3"), ``device``, ``out_dir``
        (snapshots of finished networks are kept in a sub-folder per training configuration
        and reused by a rerun).

    Returns
    -------
    ExperimentResult
        ``table``: one row per snapshot iteration; ``summary``: correlations, regression
        scores and the paper's numbers; figures ``fig12_accuracy_persistence``,
        ``regression``, ``barcode_final``.
    """
    from scipy import stats

    from ..nn import snapshot_clouds, train_many

    name = "generalization_measure"
    preset = resolve_preset(name, GENERALIZATION_PRESETS, scale, options)
    settings = preset.run_settings(scale=scale, random_state=random_state, data_home=data_home)
    start = time.perf_counter()
    data = digit_data(name, scale, preset, data_home, random_state)
    what = data.description
    settings.update(data=what, n_train_used=len(data.X_train), n_test_used=len(data.X_test))
    folder = preset_folder("generalization-M", preset, analysis_fields=_ANALYSIS_FIELDS,
                           data=what, scale=scale, data_home=data_home,
                           random_state=random_state)
    settings["run_folder"] = None if folder is None else str(folder)
    records = train_many(
        _net_config(preset), preset.n_networks, data.X_train, data.y_train,
        X_valid=data.X_test, y_valid=data.y_test, out_dir=folder, random_state=random_state,
        snapshot_iterations=_snapshot_schedule(preset.max_iter, preset.snapshot_every),
        snapshot_layers=["features.conv1"], verbose=verbose,
    )
    runs = [r["snapshots"] for r in records]
    accs = [r["snapshot_valid_acc"] for r in records]
    settings["network_seeds"] = [r["seed"] for r in records]
    train_time = time.perf_counter() - start

    iterations, clouds = snapshot_clouds(runs, layer=1)
    acc_matrix = np.array([[a[it] for a in accs] for it in iterations])
    # One collection, one Pipeline: every snapshot's pooled cloud is a sample.
    features, topologies = fit_topology(
        clouds, k=preset.k, p=preset.p, n_landmarks=preset.n_landmarks,
        random_state=random_state, verbose=verbose,
    )
    rows = [
        dict(
            iteration=int(it),
            test_accuracy=float(acc.mean()),
            test_accuracy_std=float(acc.std()),
            max_lifetime_h1=float(f["max_lifetime_h1"]),
            lifetime_2_h1=float(f["lifetime_2_h1"]),
            n_filters=int(view.n_input),
            n_analysed=int(len(view.kept)),
        )
        for it, acc, f, view in zip(iterations, acc_matrix, features.to_dict("records"),
                                    topologies)
    ]
    table = pd.DataFrame(rows)
    acc_curve = table["test_accuracy"].to_numpy()
    life_curve = table["max_lifetime_h1"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        pearson = stats.pearsonr(acc_curve, life_curve) if np.ptp(life_curve) > 0 else None
        spearman = stats.spearmanr(acc_curve, life_curve) if np.ptp(life_curve) > 0 else None

    # The grid's sparsest setting keeps the fewest points; its landmark count is set (and
    # recorded) here so that every grid point is computable.
    sparsest = min(int(view.n_input - view.n_dead) for view in topologies)
    settings["grid_n_landmarks"] = min(preset.n_landmarks, n_kept(sparsest, min(preset.grid_p)))
    search = generalization_grid_search(
        clouds, acc_curve, grid_k=preset.grid_k, grid_p=preset.grid_p,
        n_landmarks=settings["grid_n_landmarks"], random_state=random_state,
    )
    best = search.best_estimator_
    feature = best.named_steps["topology"].transform(clouds)[:, 0]
    predicted = best.predict(clouds)
    table["regression_feature"] = feature
    table["regression_prediction"] = predicted
    regress = best.named_steps["regress"]
    slope = float(np.ravel(getattr(regress, "coef_", [np.nan]))[0])

    ds = preset.dataset
    summary = {
        "data": what,
        "n_snapshots": len(table),
        "final_iteration": int(table["iteration"].iloc[-1]),
        "final_test_accuracy": float(acc_curve[-1]),
        "final_max_lifetime_h1": float(life_curve[-1]),
        "initial_max_lifetime_h1": float(life_curve[0]),
        "pearson_r": float("nan") if pearson is None else float(pearson[0]),
        "pearson_p_value": float("nan") if pearson is None else float(pearson[1]),
        "spearman_rho": float("nan") if spearman is None else float(spearman[0]),
        "spearman_p_value": float("nan") if spearman is None else float(spearman[1]),
        "regression_best_k": int(search.best_params_["topology__density__k"]),
        "regression_best_p": float(search.best_params_["topology__density__p"]),
        "regression_cv_mae": float(-search.best_score_),
        "regression_slope": slope,
        "regression_r2_in_sample": float(best.score(clouds, acc_curve)),
        "baseline_mae_predict_mean": float(np.mean(np.abs(acc_curve - acc_curve.mean()))),
        f"paper_max_lifetime_h1_{ds}_40k": PAPER_GENERALIZATION[
            f"paper_max_lifetime_h1_{ds}_40k"],
        f"paper_test_accuracy_{ds}_40k": PAPER_GENERALIZATION[f"paper_test_accuracy_{ds}_40k"],
        "runtime_s": time.perf_counter() - start,
        "train_time_s": train_time,
    }
    cv_table = pd.DataFrame(search.cv_results_)[
        ["param_topology__density__k", "param_topology__density__p", "mean_test_score",
         "std_test_score", "rank_test_score"]
    ]
    title = (f"{preset.n_networks} x M{preset.sizes} on {ds.upper()}: test accuracy and max "
             f"H1 lifetime of rho({preset.k}, {preset.p})")
    figures = {
        "fig12_accuracy_persistence": _twin_axes_figure(
            table["iteration"], acc_curve, life_curve, title),
        "regression": _regression_figure(feature, acc_curve, predicted,
                                         best.named_steps["topology"].named_steps["features"]
                                         .get_feature_names_out()[0]),
        "barcode_final": topologies[-1].barcode_figure(
            title=f"first layer at iteration {int(iterations[-1])}"),
    }
    return ExperimentResult(
        name=name,
        table=table,
        figures=figures,
        settings=settings,
        summary=summary,
        extra_files={"grid_search.csv": cv_table.to_csv(index=False)},
    )

