"""How sure, at what size: the significance readout of H1 (and H2) classes of a filter cloud.

A lifetime on its own says as much about how densely a cloud is sampled as about its shape: the
same noise scores high at 150 points and zero at 3,000, and a real circle's witness lifetime
shrinks as points are added. This module is the one home of the answers that do not move with
the number of analysed points:

* :func:`universal_pvalues`: a p-value for every bar of a diagram under the universal null law of
  Bobrowski & Skraba (Sci. Rep. 13, 12274, 2023). With :math:`\\pi = d / b` the bar's
  multiplicative persistence, :math:`\\ell = A \\log\\log \\pi + B`,
  :math:`B = -\\gamma - A\\,\\overline{\\log\\log \\pi}` (mean over the diagram, :math:`\\gamma`
  the Euler-Mascheroni constant), and :math:`p = \\exp(-e^{\\ell})` (a left-skewed Gumbel tail).
* :func:`significance_readout` / :class:`SignificanceReadout`: exact Vietoris-Rips on ``R``
  random subsamples of a fixed size ``m`` (Chazal et al., ICML 2015): the median lifetime of the
  longest class with its spread over subsamples, the Bonferroni-corrected p-value of the most
  significant class per subsample, combined over subsamples as twice their median (exact under
  any dependence between overlapping subsamples), the fraction of subsamples with a significant
  class, and the number of significant classes (median over subsamples).
* :func:`size_matched_null`: an empirical p-value for any statistic of a raw cloud against the
  same statistic on clouds of isotropic Gaussian filters of the same count and dimension (or any
  null clouds given, e.g. the layer's own filters at initialisation).

The verdict is a test at a stated level ``alpha``: :data:`VERDICTS` names the outcomes. The
defaults (``m=300``, ``n_repeats=5``, ``alpha=0.05``, ``A=1``, twice the median) come from the false-positive and
power study of ``benchmarks/significance_study.py`` (see docs/significance.md).
"""

import warnings
from dataclasses import asdict, dataclass, field, fields
from numbers import Integral, Real

import numpy as np
from ripser import ripser
from sklearn.utils import check_random_state

from ._compat import StrOptions, validate_params
from ._docstrings import fill_doc
from ._validation import Number, check_cloud, check_collection, unit_scale
from .base import CollectionTransformer

__all__ = [
    "DEFAULT_ALPHA",
    "DEFAULT_N_REPEATS",
    "DEFAULT_SUBSAMPLE",
    "READOUT_COLUMNS",
    "READOUT_FIELDS",
    "SIGNIFICANCE_TEST",
    "SMALL_CLOUD",
    "SUMMARY_KEYS",
    "SUMMARY_MEANINGS",
    "VERDICTS",
    "NullComparison",
    "Readout",
    "SignificanceReadout",
    "caveats",
    "combine_pvalues",
    "significance_readout",
    "size_matched_null",
    "universal_pvalues",
    "verdict",
]

#: Points per subsample; the readout's "size" (recorded as ``subsample_size``).
DEFAULT_SUBSAMPLE = 300
#: Subsamples drawn (odd, so the median count is a count).
DEFAULT_N_REPEATS = 5
#: Level of every test.
DEFAULT_ALPHA = 0.05
#: Below this many analysed points, the study found the test weak (see docs/significance.md).
SMALL_CLOUD = 100

#: The test behind every verdict, in words (reports quote it).
SIGNIFICANCE_TEST = (
    "exact Vietoris-Rips on random subsamples of a fixed size; each bar tested against the "
    "universal null law of Bobrowski & Skraba (2023), Bonferroni over the subsample's diagram; "
    "subsamples combined as twice the median of their p-values (Vovk & Wang 2020)"
)

#: What a readout can conclude about H1, by number of significant classes.
VERDICTS = {
    0: "no significant loop",
    1: "a circle: one significant H1 class",
    2: "several loops: {n} significant H1 classes",
}

#: Per-cloud quantities of the readout, in table order, with their meaning (``{q}`` is the
#: homology dimension). The one glossary of these names.
READOUT_FIELDS = {
    "pvalue_h{q}": "p-value of the most significant H{q} class: Bonferroni over each subsample's "
                   "diagram under the universal null law, combined over subsamples (twice "
                   "their median)",
    "n_significant_h{q}": "H{q} classes significant at alpha: median over subsamples of the "
                          "classes below alpha / 2 (0 unless pvalue_h{q} < alpha)",
    "fraction_significant_h{q}": "fraction of subsamples with an H{q} class below alpha / 2",
    "rips_lifetime_h{q}": "median over subsamples of the longest exact-Rips H{q} lifetime at the "
                          "subsample size: an effect size that does not drift with cloud size",
    "rips_lifetime_h{q}_low": "2.5th percentile of that lifetime over subsamples",
    "rips_lifetime_h{q}_high": "97.5th percentile of that lifetime over subsamples",
    "subsample_size": "points per subsample (all points when the cloud is smaller)",
}

#: The other words of a readout's summary (reports copy this glossary into summary.json).
SUMMARY_MEANINGS = {
    "verdict": "what the significance readout found: no significant loop, a circle (one "
               "significant H1 class) or several loops",
    "n_repeats": "random subsamples drawn for the significance readout",
    "alpha": "level of the significance tests",
    "significance_test": "how every H1 class is tested",
    "caveats": "what to keep in mind when reading the verdict",
    **{name.format(q=1): meaning.format(q=1) for name, meaning in READOUT_FIELDS.items()},
}

#: The H1 readout's column names, as tables and reports use them.
READOUT_COLUMNS = tuple(name.format(q=1) for name in READOUT_FIELDS)

#: The keys of :meth:`Readout.summary` for H1, in order.
SUMMARY_KEYS = ("verdict", *READOUT_COLUMNS, "n_repeats", "alpha")

_COMBINE = ("cauchy", "twice_median")

#: Shared by :func:`significance_readout` and :class:`SignificanceReadout`.
READOUT_CONSTRAINTS = {
    "m": [Number(Integral, 10, None, closed="left")],
    "n_repeats": [Number(Integral, 1, None, closed="left")],
    "alpha": [Number(Real, 0, 1, closed="neither")],
    "dim": [Number(Integral, 1, 2, closed="both")],
    "coeff": [Number(Integral, 2, None, closed="left")],
    "A": [Number(Real, 0, None, closed="neither")],
    "combine": [StrOptions(set(_COMBINE))],
    "random_state": ["random_state"],
}


# --------------------------------------------------------------------------- the null law
@validate_params({"diagram": ["array-like"], "A": READOUT_CONSTRAINTS["A"]},
                 prefer_skip_nested_validation=True)
def universal_pvalues(diagram, *, A=1.0):
    r"""Uncorrected p-value of every bar under the universal null law (Bobrowski & Skraba, 2023).

    Parameters
    ----------
    diagram : array-like of shape (n_bars, 2)
        Births and deaths of one homology dimension (H1 or above: the law is about bars with a
        positive birth).
    A : float, default=1.0
        Slope of :math:`\ell = A \log\log(d/b) + B`. 1 is Bobrowski & Skraba's value for the Čech
        complex; our study of Rips diagrams of 9-D and 25-D filter clouds found it calibrated
        (no more false positives than ``alpha``), see docs/significance.md.

    Returns
    -------
    pvalues : ndarray of shape (n_bars,)
        NaN for bars the law says nothing about (infinite death, zero birth, zero lifetime).

    Raises
    ------
    ValueError
        For a diagram whose death precedes its birth, or with NaN values.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.significance import universal_pvalues
    >>> bars = np.array([[1.0, 1.05], [1.0, 1.1], [1.0, 1.08], [1.0, 1.06], [0.2, 1.5]])
    >>> p = universal_pvalues(bars)
    >>> int(np.argmin(p)), bool(p[4] < 0.05)
    (4, True)
    """
    bars = _check_bars(diagram)
    pvalues = np.full(len(bars), np.nan)
    birth, death = bars[:, 0], bars[:, 1]
    tested = np.isfinite(death) & (birth > 0) & (death > birth)
    if not tested.any():
        return pvalues
    loglog = np.log(np.log(death[tested] / birth[tested]))
    ell = A * (loglog - loglog.mean()) - np.euler_gamma
    pvalues[tested] = np.exp(-np.exp(ell))
    return pvalues


def _check_bars(diagram):
    bars = np.asarray(diagram, dtype=np.float64)
    if bars.size == 0:
        return bars.reshape(0, 2)
    if bars.ndim != 2 or bars.shape[1] != 2:
        raise ValueError(
            f"diagram must have shape (n_bars, 2) of births and deaths; got {bars.shape}. "
            "Pass one homology dimension, e.g. ripser(X)['dgms'][1]."
        )
    if np.isnan(bars).any():
        raise ValueError("diagram contains NaN births or deaths.")
    if (bars[:, 1] < bars[:, 0]).any():
        raise ValueError("diagram has bars whose death precedes their birth; check its columns "
                         "are (birth, death).")
    return bars


def _bonferroni(pvalues):
    """Corrected p-values over the bars tested (NaN bars are not tests)."""
    n_tests = int(np.isfinite(pvalues).sum())
    return np.minimum(1.0, pvalues * max(n_tests, 1))


@validate_params({"pvalues": ["array-like"], "method": [StrOptions(set(_COMBINE))]},
                 prefer_skip_nested_validation=True)
def combine_pvalues(pvalues, *, method="twice_median"):
    """One p-value from several p-values of the same hypothesis on dependent data.

    ``"twice_median"`` (Vovk & Wang, Biometrika 2020), the default of the readout, is exact under
    any dependence: the cloud is significant at ``alpha`` when most subsamples are at
    ``alpha / 2``. ``"cauchy"`` (Liu & Xie, JASA 2020) averages ``tan((0.5 - p) pi)`` and maps
    back through the Cauchy law; it keeps its level for small levels and loses little power when
    the p-values agree, but one p-value of 1 (a Bonferroni-capped subsample) outweighs any number
    of small ones, so the readout does not use it by default.

    Parameters
    ----------
    pvalues : array-like of float
        The p-values, each in [0, 1]; at least one.
    method : {"twice_median", "cauchy"}, default="twice_median"
        The combination.

    Returns
    -------
    pvalue : float
        The combined p-value, in [0, 1].

    Examples
    --------
    >>> from sktopo.significance import combine_pvalues
    >>> combine_pvalues([0.01, 0.5, 0.9]), combine_pvalues([0.001] * 4 + [1.0])
    (1.0, 0.002)
    >>> round(combine_pvalues([0.01, 0.01, 0.01], method="cauchy"), 4)
    0.01
    >>> combine_pvalues([0.001] * 4 + [1.0], method="cauchy") > 0.99  # one capped p vetoes
    True
    """
    p = np.asarray(pvalues, dtype=np.float64)
    if p.size == 0 or np.isnan(p).any() or (p < 0).any() or (p > 1).any():
        raise ValueError(f"pvalues must be a non-empty list of numbers in [0, 1]; got {p!r}.")
    if method == "twice_median":
        return float(min(1.0, 2 * np.median(p)))
    # Clip so that p = 0 or 1 stays finite; the combined value stays in (0, 1).
    p = np.clip(p, 1e-300, 1 - 1e-16)
    statistic = np.mean(np.tan((0.5 - p) * np.pi))
    return float(np.clip(0.5 - np.arctan(statistic) / np.pi, 0.0, 1.0))


# --------------------------------------------------------------------------- the readout
@dataclass(frozen=True)
class Readout:
    """The significance readout of one cloud in one homology dimension.

    Parameters
    ----------
    dim : int
        Homology dimension.
    n_points : int
        Points of the cloud analysed.
    subsample_size : int
        Points per subsample (``min(m, n_points)``).
    n_repeats : int
        Subsamples drawn (1 when the whole cloud fits one).
    alpha : float
        Level of the tests.
    pvalue : float
        Combined p-value of the most significant class.
    n_significant : int
        Significant classes, median over subsamples of the classes below the subsample level
        (``alpha / 2`` with twice the median, ``alpha`` with the Cauchy combination or a cloud
        read whole, once); 0 when the
        combined p-value is not below ``alpha``, so the count never contradicts the test.
    fraction_significant : float
        Fraction of subsamples with a class below the subsample level.
    lifetime, lifetime_low, lifetime_high : float
        Median, 2.5th and 97.5th percentiles of the longest exact-Rips lifetime over subsamples.
    lifetimes : tuple of float
        That lifetime in each subsample.
    subsample_pvalues : tuple of float
        The smallest corrected p-value of each subsample, before they are combined.
    level : float
        The level each subsample's classes are counted at (``alpha / 2`` under twice the
        median, else ``alpha``); barcodes mark the bars below it.
    diagram : list of ndarray
        The exact-Rips diagram (H0 to H``dim``, ripser style) of the first subsample, for
        figures.
    corrected_pvalues : ndarray
        Bonferroni-corrected p-value of each H``dim`` bar of ``diagram`` (NaN: not tested).
    """

    dim: int
    n_points: int
    subsample_size: int
    n_repeats: int
    alpha: float
    pvalue: float
    n_significant: int
    fraction_significant: float
    lifetime: float
    lifetime_low: float
    lifetime_high: float
    lifetimes: tuple
    subsample_pvalues: tuple = ()
    level: float = None
    diagram: list = field(default_factory=list, repr=False, compare=False)
    corrected_pvalues: np.ndarray = field(default=None, repr=False, compare=False)

    @property
    def significant(self):
        """True when the most significant class passes the test at ``alpha``."""
        return self.pvalue < self.alpha

    def features(self):
        """The readout as a flat dict named as in :data:`READOUT_FIELDS`.

        Returns
        -------
        features : dict of str to float
            The p-value, significant count and fraction, lifetime with its interval (suffixed
            ``_h{dim}``) and the subsample size.
        """
        q = self.dim
        return {
            f"pvalue_h{q}": self.pvalue,
            f"n_significant_h{q}": float(self.n_significant),
            f"fraction_significant_h{q}": self.fraction_significant,
            f"rips_lifetime_h{q}": self.lifetime,
            f"rips_lifetime_h{q}_low": self.lifetime_low,
            f"rips_lifetime_h{q}_high": self.lifetime_high,
            "subsample_size": float(self.subsample_size),
        }

    def summary(self):
        """What a report says about this cloud: the verdict, the features and the test's size
        (the keys of :data:`SUMMARY_KEYS`).

        Returns
        -------
        summary : dict
            ``verdict``, the entries of :meth:`features`, ``n_repeats`` and ``alpha``.
        """
        return {"verdict": verdict(self.n_significant, dim=self.dim), **self.features(),
                "n_repeats": self.n_repeats, "alpha": self.alpha}

    def to_dict(self):
        """Every attribute, JSON-ready.

        Returns
        -------
        record : dict
            The fields but ``diagram`` and ``corrected_pvalues``, tuples as lists, with
            ``significant`` and ``verdict`` added.
        """
        out = {f.name: getattr(self, f.name) for f in fields(self)
               if f.name not in ("diagram", "corrected_pvalues")}
        return {**out, "lifetimes": list(self.lifetimes),
                "subsample_pvalues": list(self.subsample_pvalues), "significant": self.significant,
                "verdict": verdict(self.n_significant, dim=self.dim)}


@validate_params({"n_significant": [Number(Integral, 0, None, closed="left")],
                  "dim": [Number(Integral, 1, 2, closed="both")]},
                 prefer_skip_nested_validation=True)
def verdict(n_significant, *, dim=1):
    """The verdict in words for a number of significant classes.

    Parameters
    ----------
    n_significant : int
        Number of significant classes.
    dim : {1, 2}, default=1
        Homology dimension of the classes.

    Returns
    -------
    verdict : str
        One of :data:`VERDICTS` in H1, a count of classes in H2.

    Examples
    --------
    >>> from sktopo.significance import verdict
    >>> verdict(0), verdict(1), verdict(3)
    ('no significant loop', 'a circle: one significant H1 class', 'several loops: 3 significant H1 classes')
    >>> verdict(1, dim=2)
    'one significant H2 class'
    """
    if dim != 1:
        return ("no" if n_significant == 0 else
                "one" if n_significant == 1 else str(n_significant)) + \
            f" significant H{dim} class" + ("es" if n_significant != 1 else "")
    return VERDICTS[min(int(n_significant), 2)].format(n=int(n_significant))


@validate_params({"readout": [Readout], "nerve_betti1": [Number(Integral, 0, None, closed="left"),
                                                         None]},
                 prefer_skip_nested_validation=True)
def caveats(readout, nerve_betti1=None):
    """What a reader of ``readout`` should keep in mind, in plain words (an empty list if nothing).

    Parameters
    ----------
    readout : Readout
        The readout of the cloud.
    nerve_betti1 : int or None, default=None
        Loops of the cloud's Mapper nerve, if one was built; a count that differs from the
        readout's significant classes adds a caveat.

    Returns
    -------
    notes : list of str
        The caveats: a small cloud, a cloud read whole, a borderline class, a Mapper count
        that disagrees.

    Examples
    --------
    >>> from sktopo.datasets import make_filter_cloud
    >>> from sktopo.significance import caveats, significance_readout
    >>> r = significance_readout(make_filter_cloud("gaussian", 40, random_state=0))
    >>> caveats(r, nerve_betti1=2)[0][:40]
    'only 40 points: the test has little powe'
    """
    notes = []
    if readout.n_points < SMALL_CLOUD:
        notes.append(f"only {readout.n_points} points: the test has little power below about "
                     f"{SMALL_CLOUD}; 'no significant loop' here is weak evidence of no loop")
    elif readout.n_points < readout.subsample_size or readout.n_repeats == 1:
        notes.append(f"all {readout.n_points} points analysed at once (fewer than the subsample "
                     "size): the lifetime is comparable only with clouds read at this size")
    if 0 < readout.fraction_significant < 1:
        notes.append(f"significant in {readout.fraction_significant:.0%} of the subsamples only: "
                     "a borderline class")
    if nerve_betti1 is not None and nerve_betti1 != readout.n_significant:
        notes.append(f"the Mapper nerve has {nerve_betti1} loop(s) and the barcode "
                     f"{readout.n_significant} significant class(es): Mapper loops are not "
                     "tested and depend on the cover (resolution, gain) and the clustering, so "
                     "small or noisy loops appear and vanish with those settings")
    return notes


def _subsample_diagram(points, dim, coeff, A):
    """Exact-Rips diagram of one subsample and the corrected p-value of each H``dim`` bar."""
    scaled, factor = unit_scale(points)
    with warnings.catch_warnings():
        # A cloud of fewer points than weights is legitimate here (a small first layer).
        warnings.filterwarnings("ignore", message="The input point cloud has more columns")
        dgms = [d * factor for d in ripser(scaled, maxdim=dim, coeff=coeff)["dgms"]]
    return dgms, _bonferroni(universal_pvalues(dgms[dim], A=A))


def _statistics(bars, corrected, alpha):
    """Longest lifetime, smallest corrected p-value and significant count of one diagram."""
    finite = np.isfinite(bars[:, 1]) if len(bars) else np.zeros(0, bool)
    if not finite.any():
        return 0.0, 1.0, 0
    p = np.where(np.isnan(corrected), 1.0, corrected)
    lifetime = float((bars[finite, 1] - bars[finite, 0]).max())
    return lifetime, float(p.min()), int((p < alpha).sum())


@fill_doc
@validate_params({"cloud": ["array-like"], **READOUT_CONSTRAINTS},
                 prefer_skip_nested_validation=True)
def significance_readout(cloud, *, m=DEFAULT_SUBSAMPLE, n_repeats=DEFAULT_N_REPEATS,
                         alpha=DEFAULT_ALPHA, dim=1, coeff=2, A=1.0, combine="twice_median",
                         random_state=None):
    """Is there a loop in this cloud, and how sure: the readout at a fixed subsample size.

    Draws ``n_repeats`` random subsamples of ``m`` points (without replacement; the whole cloud,
    once, when it has at most ``m`` points), computes the exact Vietoris-Rips diagram of each,
    tests every bar of dimension ``dim`` against the universal null law (Bonferroni over the
    subsample's diagram) and combines the subsamples. Random subsamples, not max-min landmarks:
    landmarks pick the outliers of a noisy cloud and lose the circle.

    Parameters
    ----------
    cloud : array-like of shape (n_points, n_features)
        The analysed points (normalised filters after the density step), at least 4.
    m : int, default=300
        Points per subsample: the size every readout is stated at.
    n_repeats : int, default=5
        Subsamples drawn.
    alpha : float, default=0.05
        Level of the tests.
    dim : {1, 2}, default=1
        Homology dimension tested.
    coeff : int, default=2
        Prime of the coefficient field Z/coeff (the Klein bottle has two H1 classes over Z/2,
        one over Z/3).
    A : float, default=1.0
        Slope of the null law (see :func:`universal_pvalues`).
    combine : {"twice_median", "cauchy"}, default="twice_median"
        How the subsamples' p-values are combined (see :func:`combine_pvalues`).
    random_state : int, RandomState instance or None, default=None
        Seeds the subsamples.

    Returns
    -------
    readout : Readout

    Examples
    --------
    >>> from sktopo.datasets import make_filter_cloud
    >>> from sktopo.significance import significance_readout
    >>> circle = make_filter_cloud("primary_circle", 1000, noise=0.1, random_state=0)
    >>> r = significance_readout(circle, m=200, random_state=0)
    >>> r.significant, r.n_significant, r.subsample_size
    (True, 1, 200)
    """
    X = check_cloud(cloud, name="cloud", min_points=4)
    rng = check_random_state(random_state)
    size = min(m, len(X))
    repeats = n_repeats if len(X) > m else 1
    diagrams = [_subsample_diagram(X[rng.choice(len(X), size, replace=False)], dim, coeff, A)
                for _ in range(repeats)]
    # Twice the median is below alpha exactly when most subsamples are below alpha / 2: count
    # classes at that level, so the count and the p-value tell one story.
    # A cloud read whole, once, needs no combination.
    halved = combine == "twice_median" and repeats > 1
    level = alpha / 2 if halved else alpha
    stats = [_statistics(dgms[dim], corrected, level) for dgms, corrected in diagrams]
    lifetimes, pvalues, counts = (np.array(column) for column in zip(*stats))
    pvalue = combine_pvalues(pvalues, method=combine) if repeats > 1 else float(pvalues[0])
    return Readout(
        dim=int(dim), n_points=len(X), subsample_size=int(size), n_repeats=int(repeats),
        alpha=float(alpha), pvalue=pvalue,
        n_significant=int(np.floor(np.median(counts))) if pvalue < alpha else 0,
        fraction_significant=float(np.mean(counts > 0)),
        lifetime=float(np.median(lifetimes)),
        lifetime_low=float(np.percentile(lifetimes, 2.5)),
        lifetime_high=float(np.percentile(lifetimes, 97.5)),
        lifetimes=tuple(float(v) for v in lifetimes),
        subsample_pvalues=tuple(float(v) for v in pvalues), level=float(level),
        diagram=diagrams[0][0], corrected_pvalues=diagrams[0][1],
    )


@fill_doc
class SignificanceReadout(CollectionTransformer, auto_wrap_output_keys=("transform",)):
    """The significance readout of every cloud of a collection (collection level).

    One row per cloud with the columns of :data:`READOUT_FIELDS` for each dimension of
    ``homology_dimensions``; the maths is in :func:`significance_readout`. It is the
    ``"significance"`` branch of :func:`~sktopo.pipeline.make_topology_pipeline`.

    Parameters
    ----------
    m : int, default=300
        Points per subsample.
    n_repeats : int, default=5
        Subsamples per cloud.
    alpha : float, default=0.05
        Level of the tests.
    homology_dimensions : sequence of int, default=(1,)
        Dimensions tested (1 and/or 2; H2 costs far more).
    coeff : int, default=2
        Prime of the coefficient field.
    A : float, default=1.0
        Slope of the null law.
    combine : {"twice_median", "cauchy"}, default="twice_median"
        Combination of the subsamples' p-values.
    %(collection_random_state)s
    %(collection_n_jobs)s
    %(collection_verbose)s

    Attributes
    ----------
    readouts_ : list of dict
        Per cloud, the :class:`Readout` of each dimension by dimension.

    Examples
    --------
    >>> from sktopo.datasets import make_collection
    >>> from sktopo.significance import SignificanceReadout
    >>> clouds = make_collection(["primary_circle", "gaussian"], n=400, noise=0.1,
    ...                          random_state=0)
    >>> table = SignificanceReadout(m=200, random_state=0).fit_transform(clouds)
    >>> (table[:, 0] < 0.05).tolist()
    [True, False]
    """

    _requires_fit = False
    _parameter_constraints = {
        **{name: READOUT_CONSTRAINTS[name] for name in ("m", "n_repeats", "alpha", "coeff", "A",
                                                         "combine", "random_state")},
        "homology_dimensions": ["array-like"],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
    }

    def __init__(self, m=DEFAULT_SUBSAMPLE, n_repeats=DEFAULT_N_REPEATS, alpha=DEFAULT_ALPHA,
                 homology_dimensions=(1,), coeff=2, A=1.0, combine="twice_median", random_state=None,
                 n_jobs=None, verbose=0):
        self.m = m
        self.n_repeats = n_repeats
        self.alpha = alpha
        self.homology_dimensions = homology_dimensions
        self.coeff = coeff
        self.A = A
        self.combine = combine
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _dims(self):
        dims = [int(q) for q in np.atleast_1d(self.homology_dimensions)]
        if not dims or any(q not in (1, 2) for q in dims) or len(set(dims)) != len(dims):
            raise ValueError(
                f"homology_dimensions must list 1 and/or 2 once each; got "
                f"{self.homology_dimensions!r}. H0 has no significance law (every point is "
                "born at 0)."
            )
        return dims

    def _validate_collection(self, X):
        self._dims()
        return check_collection(X, min_points=4, same_dim=False)

    def _transform_one(self, cloud, random_state):
        return {q: significance_readout(
            cloud, m=self.m, n_repeats=self.n_repeats, alpha=self.alpha, dim=q, coeff=self.coeff,
            A=self.A, combine=self.combine, random_state=random_state)
            for q in self._dims()}

    def _remember(self, samples, results):
        self.readouts_ = list(results)

    def _combine(self, results):
        dims = self._dims()
        rows = []
        for per_dim in results:
            row = [v for q in dims for k, v in per_dim[q].features().items()
                   if k != "subsample_size"]
            rows.append(row + [per_dim[dims[0]].subsample_size])
        return np.array(rows, dtype=np.float64).reshape(len(results), -1)

    def get_feature_names_out(self, input_features=None):
        """``pvalue_h1``, ``n_significant_h1``, ... per dimension, then ``subsample_size``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored.

        Returns
        -------
        feature_names_out : ndarray of str
            One name per output column.
        """
        names = []
        for q in self._dims():
            names += [name.format(q=q) for name in READOUT_FIELDS if name != "subsample_size"]
        return np.asarray(names + ["subsample_size"], dtype=object)


# --------------------------------------------------------------------------- size-matched null
@dataclass(frozen=True)
class NullComparison:
    """A statistic of a cloud against the same statistic on null clouds of the same size.

    Parameters
    ----------
    observed : float
        The statistic of the cloud.
    null : tuple of float
        The statistic of every null cloud.
    pvalue : float
        ``(1 + #{null >= observed}) / (1 + n_draws)``: exact for exchangeable draws, never 0.
    null_kind : str
        What the null clouds were.
    """

    observed: float
    null: tuple
    pvalue: float
    null_kind: str

    @property
    def null_max(self):
        """Largest null value."""
        return max(self.null)

    def to_dict(self):
        """JSON-ready.

        Returns
        -------
        record : dict
            The fields, ``null`` as a list, and ``null_max``.
        """
        return {**asdict(self), "null": list(self.null), "null_max": self.null_max}


@validate_params({"cloud": ["array-like"], "statistic": [callable],
                  "n_draws": [Number(Integral, 1, None, closed="left")],
                  "null": [StrOptions({"gaussian"}), list], "random_state": ["random_state"]},
                 prefer_skip_nested_validation=True)
def size_matched_null(cloud, statistic, *, n_draws=19, null="gaussian", random_state=None):
    """Empirical p-value of ``statistic(cloud)`` against clouds of no shape and the same size.

    ``statistic`` is the whole analysis from a raw cloud to one number that grows with
    structure (e.g. normalise, density step, readout lifetime): the null clouds go through the
    very same steps, so the density step, the subsample size and the complex are matched. With
    19 draws the smallest p-value is 0.05.

    Parameters
    ----------
    cloud : array-like of shape (n_filters, n_weights)
        The raw cloud.
    statistic : callable
        ``statistic(raw_cloud, random_state) -> float``.
    n_draws : int, default=19
        Null clouds drawn (``"gaussian"``) or used.
    null : "gaussian" or list of array-like, default="gaussian"
        ``"gaussian"``: i.i.d. standard normal weights of the cloud's shape (isotropic after
        normalisation). A list: the null clouds themselves, e.g. the same layer of networks at
        initialisation; its first ``n_draws`` are used.
    random_state : int, RandomState instance or None, default=None
        Seeds the null clouds and each statistic call.

    Returns
    -------
    comparison : NullComparison

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.datasets import make_filter_cloud
    >>> from sktopo.significance import significance_readout, size_matched_null
    >>> lifetime = lambda X, seed: significance_readout(X, m=100, n_repeats=1,
    ...                                                 random_state=seed).lifetime
    >>> circle = make_filter_cloud("primary_circle", 300, noise=0.1, random_state=0)
    >>> size_matched_null(circle, lifetime, n_draws=9, random_state=0).pvalue
    0.1
    """
    X = check_cloud(cloud, name="cloud", min_points=2)
    rng = check_random_state(random_state)
    seeds = rng.randint(np.iinfo(np.int32).max, size=n_draws + 1)
    if isinstance(null, str):
        nulls = [rng.standard_normal(X.shape) for _ in range(n_draws)]
        kind = f"{n_draws} clouds of {X.shape[0]} i.i.d. Gaussian {X.shape[1]}-D filters"
    else:
        if len(null) < n_draws:
            raise ValueError(f"null holds {len(null)} clouds; n_draws={n_draws} needs as many.")
        nulls = [check_cloud(c, name="null cloud") for c in null[:n_draws]]
        kind = f"{n_draws} given null clouds"
    observed = float(statistic(X, int(seeds[0])))
    values = tuple(float(statistic(c, int(s))) for c, s in zip(nulls, seeds[1:]))
    pvalue = (1 + sum(v >= observed for v in values)) / (1 + n_draws)
    return NullComparison(observed, values, float(pvalue), kind)
