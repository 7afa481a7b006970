"""The paper's two prior experiments (Section VI and the talk) as presets of the priors benchmark.

* :func:`cross_domain`: nets trained on MNIST with the first conv layer fixed to the primary
  circle, fixed to Gaussian filters, or trained, then evaluated on another digit domain.
* :func:`boosted_training`: batch iterations to reach given accuracies when the responses of an
  idealised filter bank are appended to the input (Fig. 13 and the talk's speed-up tables).

Both run :func:`~._priors_benchmark.priors_benchmark`'s training and analysis with their own
conditions and scales, so their speed-ups, intervals and censoring are the benchmark's.
"""

from ._priors_benchmark import (  # noqa: F401 (the paper's numbers, imported from here too)
    PAPER_BOOSTED,
    PAPER_CROSS_DOMAIN,
    PAPER_SPEEDUP,
    PAPER_THRESHOLDS,
    PriorsBenchmarkPreset,
    run_priors,
)

_FIXED = ("plain", "fixed_circle", "fixed_gaussian")
_APPENDED = ("plain", "appended_circle", "appended_klein", "appended_gaussian")

#: Scale presets of :func:`cross_domain` (the paper: M(64, 32, 64), 40,000 iterations).
CROSS_DOMAIN_PRESETS = {
    "tiny": PriorsBenchmarkPreset(
        sizes=(8, 0, 16), n_seeds=2, max_iter=30, batch_size=64, n_train=600, n_test=200,
        n_append=8, eval_every=10, thresholds=(0.2, 0.3), n_target=300, target="auto",
        conditions=_FIXED, n_boot=200,
    ),
    "small": PriorsBenchmarkPreset(
        sizes=(32, 16, 32), n_seeds=3, max_iter=500, batch_size=64, n_train=4000,
        n_test=1000, n_append=8, eval_every=25, thresholds=(0.5, 0.7, 0.8, 0.85, 0.9, 0.93),
        target="auto", conditions=_FIXED,
    ),
    "paper": PriorsBenchmarkPreset(
        sizes=(64, 32, 64), n_seeds=3, max_iter=40000, batch_size=128, n_train=None,
        n_test=None, n_append=8, eval_every=100, thresholds=PAPER_THRESHOLDS["mnist"],
        target="auto", conditions=_FIXED,
    ),
}

#: Scale presets of :func:`boosted_training`; paper-scale thresholds are the talk's tables
#: (MNIST; with ``dataset=svhn`` the SVHN table's).
BOOSTED_PRESETS = {
    "tiny": PriorsBenchmarkPreset(
        sizes=(8, 0, 16), n_seeds=2, max_iter=40, batch_size=64, n_train=600, n_test=200,
        n_append=8, eval_every=10, thresholds=(0.2, 0.3, 0.4), target=None,
        conditions=_APPENDED, n_boot=200,
    ),
    "small": PriorsBenchmarkPreset(
        sizes=(16, 16, 32), n_seeds=2, max_iter=600, batch_size=64, n_train=4000, n_test=1000,
        n_append=16, eval_every=25, thresholds=(0.5, 0.7, 0.8, 0.85, 0.9, 0.93), target=None,
        conditions=_APPENDED,
    ),
    "paper": PriorsBenchmarkPreset(
        sizes=(64, 32, 64), n_seeds=3, max_iter=20000, batch_size=128, n_train=None,
        n_test=None, n_append=64, eval_every=100, thresholds=PAPER_THRESHOLDS["mnist"],
        target=None, conditions=_APPENDED,
    ),
}


def cross_domain(*, scale="small", data_home=None, random_state=0, verbose=1, **options):
    """MNIST-trained nets with a primary-circle, Gaussian or trained first layer, tested on
    another digit domain (paper, Section VI: 28 % / 12 % / 11 % on SVHN).

    :func:`~._priors_benchmark.priors_benchmark` with the conditions ``fixed_circle`` (first
    conv layer fixed to evenly rotated primary-circle filters), ``fixed_gaussian`` (a fresh
    Gaussian draw per seed) and ``plain`` (trained as usual). The target is SVHN's test set as
    28x28 grayscale when ``data_home`` holds ``svhn/test_32x32.mat`` (always at paper scale),
    otherwise scikit-learn's digits rescaled to 28x28, a much easier, MNIST-like target; the
    summary's ``target_domain`` says which, ``{condition}_target_acc`` gives the accuracies and
    ``paper_{condition}_svhn_acc`` the paper's, ``accuracy.csv`` their intervals.

    Parameters
    ----------
    scale : {"tiny", "small", "paper"}, default="small"
        Preset of :data:`CROSS_DOMAIN_PRESETS`.
    data_home : str or None, default=None
        As for :func:`~._priors_benchmark.priors_benchmark`.
    random_state : int, default=0
        As for :func:`~._priors_benchmark.priors_benchmark`.
    verbose : int, default=1
        As for :func:`~._priors_benchmark.priors_benchmark`.
    **options
        As for :func:`~._priors_benchmark.priors_benchmark`.

    Returns
    -------
    ExperimentResult
        As for :func:`~._priors_benchmark.priors_benchmark`.
    """
    return run_priors("cross_domain", CROSS_DOMAIN_PRESETS, scale=scale, data_home=data_home,
                      random_state=random_state, verbose=verbose, options=options)


def boosted_training(*, scale="small", data_home=None, random_state=0, verbose=1, **options):
    """Batch iterations to reach each validation accuracy with primary-circle, Klein-bottle,
    Gaussian or no appended filter responses (paper Fig. 13; talk: 2x faster on MNIST, 3.5x on
    SVHN).

    :func:`~._priors_benchmark.priors_benchmark` with the conditions ``appended_circle``,
    ``appended_klein``, ``appended_gaussian`` (each image gets ``n_append`` extra channels, its
    responses to a fixed bank of 3x3 filters) and ``plain`` (the talk's "normal" net), and no
    transfer target (``--set dataset=svhn`` trains on SVHN). The talk's iterations are the
    table's ``paper_iterations`` (e.g. 0.98 on MNIST in 5,516 vs 8,802 iterations); the speed-up
    is the ratio of mean iterations with misses counted as ``max_iter + 1``
    (:func:`sktopo.stats.iterations_speedup`), not a mean over the seeds that reached it.

    Parameters
    ----------
    scale : {"tiny", "small", "paper"}, default="small"
        Preset of :data:`BOOSTED_PRESETS`.
    data_home : str or None, default=None
        As for :func:`~._priors_benchmark.priors_benchmark`.
    random_state : int, default=0
        As for :func:`~._priors_benchmark.priors_benchmark`.
    verbose : int, default=1
        As for :func:`~._priors_benchmark.priors_benchmark`.
    **options
        As for :func:`~._priors_benchmark.priors_benchmark`.

    Returns
    -------
    ExperimentResult
        As for :func:`~._priors_benchmark.priors_benchmark`.
    """
    return run_priors("boosted_training", BOOSTED_PRESETS, scale=scale, data_home=data_home,
                      random_state=random_state, verbose=verbose, options=options)

