"""Persistence diagrams of filter clouds: exact Vietoris-Rips, landmark Rips, lazy witness."""

from numbers import Integral

import numpy as np
from joblib import Parallel, delayed
from ripser import ripser
from scipy.spatial.distance import cdist
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state

from .._compat import Interval, Real, StrOptions
from .._progress import progress
from .._validation import check_cloud, check_collection, collection_tags
from ._diagrams import pad_diagrams
from ._landmarks import maxmin_landmarks
from ._witness import check_nu, lazy_witness_matrix

BACKENDS = ("exact", "landmark_rips", "witness")
_MAX_MAXDIM = 2


def _is_prime(p):
    return p >= 2 and all(p % k for k in range(2, int(p**0.5) + 1))


def _check_options(backend, maxdim, coeff, threshold, landmark_start):
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}; got {backend!r}.")
    if (
        not isinstance(maxdim, Integral)
        or isinstance(maxdim, bool)
        or not 0 <= maxdim <= _MAX_MAXDIM
    ):
        raise ValueError(
            f"maxdim must be an integer in [0, {_MAX_MAXDIM}]; got {maxdim!r}. Higher dimensions "
            "cost far more than they tell about 9-D filter clouds."
        )
    if not isinstance(coeff, Integral) or isinstance(coeff, bool) or not _is_prime(coeff):
        raise ValueError(f"coeff must be a prime (the field Z/coeff); got {coeff!r}. Use 2 or 3.")
    if not isinstance(threshold, Real) or not threshold > 0:
        raise ValueError(f"threshold must be a positive number or np.inf; got {threshold!r}.")
    if not (landmark_start in ("farthest", "random") or (
        isinstance(landmark_start, Integral) and not isinstance(landmark_start, bool)
    )):
        raise ValueError(
            f"landmark_start must be 'farthest', 'random' or a row index; got {landmark_start!r}."
        )


def persistence_diagrams(
    X,
    *,
    backend="witness",
    n_landmarks=100,
    nu=2,
    maxdim=1,
    coeff=2,
    threshold=np.inf,
    landmark_start="farthest",
    random_state=None,
    return_landmarks=False,
):
    r"""Persistence diagrams of one point cloud.

    Three filtrations, all flag complexes computed by ripser:

    * ``"exact"``: the Vietoris-Rips filtration of the whole cloud (an edge enters at its length).
      Exact, but the cost grows fast with the number of points (minutes for 2,000 9-D filters).
    * ``"landmark_rips"``: the Vietoris-Rips filtration of ``n_landmarks`` max-min landmarks. If
      :math:`\varepsilon` is the covering radius, the bottleneck distance to the exact diagram is
      at most :math:`2\varepsilon` (Rips stability under Gromov-Hausdorff distance), so the
      longest lifetime moves by at most :math:`4\varepsilon`.
    * ``"witness"``: the lazy witness complex of de Silva and Carlsson on the same landmarks with
      every point as a witness (:func:`lazy_witness_matrix`), JavaPlex's ``LazyWitnessStream``
      as used in the paper. Its filtration values are on their own scale (smaller than Rips edge
      lengths, see the user guide), but every point of the cloud shapes the result, so it is far
      less noisy than landmark Rips.

    Parameters
    ----------
    X : array-like of shape (n_points, n_features)
        The cloud.
    backend : {"witness", "landmark_rips", "exact"}, default="witness"
        Filtration (see above).
    n_landmarks : int, default=100
        Landmarks for the landmark backends (the paper used 100). Must not exceed ``n_points``.
    nu : {0, 1, 2}, default=2
        Lazy witness parameter; 2 is JavaPlex's default (the paper's setting).
    maxdim : int, default=1
        Largest homology dimension, at most 2.
    coeff : int, default=2
        Prime ``p`` of the coefficient field Z/p.
    threshold : float, default=np.inf
        Largest filtration value built; bars still alive there get an infinite death.
    landmark_start : {"farthest", "random"} or int, default="farthest"
        First max-min landmark, see :func:`maxmin_landmarks`.
    random_state : int, RandomState instance or None, default=None
        Used when ``landmark_start="random"``.
    return_landmarks : bool, default=False
        Also return the landmark indices and the covering radius (``arange(n)`` and 0 for
        ``"exact"``).

    Returns
    -------
    diagrams : list of ndarray of shape (n_pairs_q, 2)
        ``diagrams[q]`` holds the ``(birth, death)`` pairs of dimension ``q`` (ripser's format);
        the H0 bar of the whole cloud dies at ``np.inf``.
    landmarks : ndarray of int
        Only when ``return_landmarks=True``.
    covering_radius : float
        Only when ``return_landmarks=True``.

    See Also
    --------
    Persistence : The collection-level transformer.
    pad_diagrams : Stack such lists into the padded format.

    Examples
    --------
    >>> from sktopo.datasets import make_filter_cloud
    >>> from sktopo.homology import persistence_diagrams
    >>> X = make_filter_cloud("primary_circle", 300, random_state=0)
    >>> dgms = persistence_diagrams(X, n_landmarks=40)
    >>> lifetimes = dgms[1][:, 1] - dgms[1][:, 0]
    >>> int((lifetimes > 0.5 * lifetimes.max()).sum())
    1
    """
    _check_options(backend, maxdim, coeff, threshold, landmark_start)
    X = check_cloud(X)
    n = len(X)
    if backend == "exact":
        dgms = ripser(X, maxdim=maxdim, thresh=threshold, coeff=coeff)["dgms"]
        landmarks, radius = np.arange(n), 0.0
    else:
        if (
            not isinstance(n_landmarks, Integral)
            or isinstance(n_landmarks, bool)
            or n_landmarks < 1
        ):
            raise ValueError(f"n_landmarks must be a positive integer; got {n_landmarks!r}.")
        if n_landmarks > n:
            raise ValueError(
                f"n_landmarks={n_landmarks} exceeds the {n} points of the cloud. Lower "
                "n_landmarks, keep more points in the density filtration (raise p), or use "
                "backend='exact' on a cloud this small."
            )
        if backend == "witness":
            check_nu(nu, n_landmarks)
        landmarks, radius = maxmin_landmarks(
            X, n_landmarks, start=landmark_start, random_state=random_state,
            return_covering_radius=True,
        )
        if backend == "landmark_rips":
            M = cdist(X[landmarks], X[landmarks])
        else:
            M = lazy_witness_matrix(X, landmarks, nu)
        dgms = ripser(M, maxdim=maxdim, thresh=threshold, coeff=coeff, distance_matrix=True)["dgms"]
    dgms = [np.asarray(d, dtype=np.float64).reshape(-1, 2) for d in dgms]
    if return_landmarks:
        return dgms, landmarks, radius
    return dgms


class Persistence(TransformerMixin, BaseEstimator):
    """Persistence diagrams of every cloud of a collection (collection level).

    ``X`` is a list of clouds (or a 3-D array); ``transform`` returns one diagram per cloud in the
    padded format of DESIGN.md section 2: an array of shape ``(n_samples, n_pairs, 3)`` with rows
    ``[birth, death, dim]``, padding rows ``[0, 0, dim]`` and infinite deaths kept as ``np.inf``
    (:func:`unpad_diagrams` gives ripser-style lists back). The maths is in
    :func:`persistence_diagrams`; the default reproduces the paper's JavaPlex setting (lazy
    witness complex, ``nu=2``, 100 max-min landmarks).

    Parameters
    ----------
    backend : {"witness", "landmark_rips", "exact"}, default="witness"
        Filtration; see :func:`persistence_diagrams`.
    n_landmarks : int, default=100
        Landmarks per cloud for the landmark backends.
    nu : {0, 1, 2}, default=2
        Lazy witness parameter (JavaPlex's default, the paper's setting).
    maxdim : int, default=1
        Largest homology dimension, at most 2.
    coeff : int, default=2
        Prime ``p`` of the coefficient field Z/p.
    threshold : float, default=np.inf
        Largest filtration value built.
    landmark_start : {"farthest", "random"} or int, default="farthest"
        First max-min landmark of every cloud.
    random_state : int, RandomState instance or None, default=None
        Seeds the random first landmarks (one seed per cloud is drawn from it, so results do not
        depend on ``n_jobs``).
    n_jobs : int, default=None
        Clouds processed in parallel (joblib); ``None`` means 1.
    verbose : int, default=0
        Progress bar over the clouds when > 0.

    Attributes
    ----------
    diagrams_ : ndarray of shape (n_samples, n_pairs, 3)
        Padded diagrams of the clouds seen in :meth:`fit`.
    landmarks_ : list of ndarray of int
        Landmark row indices per cloud (all rows for ``backend="exact"``).
    covering_radius_ : ndarray of shape (n_samples,)
        Largest distance from a point to its nearest landmark, per cloud (0 for ``"exact"``): the
        approximation scale of the landmark backends.

    See Also
    --------
    persistence_diagrams : The function for one cloud.
    DiagramFeatures : Feature vectors (e.g. ``max_lifetime_h1``) from the diagrams.

    Examples
    --------
    >>> from sktopo.datasets import make_collection
    >>> from sktopo.homology import Persistence
    >>> clouds = make_collection(["primary_circle", "gaussian"], n=200, random_state=0)
    >>> pers = Persistence(n_landmarks=30).fit(clouds)
    >>> pers.diagrams_.shape[0], pers.covering_radius_.shape
    (2, (2,))
    """

    _parameter_constraints = {
        "backend": [StrOptions(set(BACKENDS))],
        "n_landmarks": [Interval(Integral, 1, None, closed="left")],
        "nu": [Interval(Integral, 0, 2, closed="both")],
        "maxdim": [Interval(Integral, 0, _MAX_MAXDIM, closed="both")],
        "coeff": [Interval(Integral, 2, None, closed="left")],
        "threshold": [Interval(Real, 0, None, closed="right")],
        "landmark_start": [
            StrOptions({"farthest", "random"}),
            Interval(Integral, 0, None, closed="left"),
        ],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        backend="witness",
        n_landmarks=100,
        nu=2,
        maxdim=1,
        coeff=2,
        threshold=np.inf,
        landmark_start="farthest",
        random_state=None,
        n_jobs=None,
        verbose=0,
    ):
        self.backend = backend
        self.n_landmarks = n_landmarks
        self.nu = nu
        self.maxdim = maxdim
        self.coeff = coeff
        self.threshold = threshold
        self.landmark_start = landmark_start
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _compute(self, X):
        self._validate_params()
        clouds = check_collection(X, same_dim=True)
        rng = check_random_state(self.random_state)
        seeds = rng.randint(np.iinfo(np.int32).max, size=len(clouds))
        kwargs = dict(
            backend=self.backend, n_landmarks=self.n_landmarks, nu=self.nu, maxdim=self.maxdim,
            coeff=self.coeff, threshold=self.threshold, landmark_start=self.landmark_start,
            return_landmarks=True,
        )
        # Checked once up front so a bad value fails before any cloud is computed.
        _check_options(self.backend, self.maxdim, self.coeff, self.threshold, self.landmark_start)
        jobs = (
            delayed(persistence_diagrams)(c, random_state=int(s), **kwargs)
            for c, s in zip(clouds, seeds)
        )
        if self.n_jobs in (None, 1):
            results = [
                job[0](*job[1], **job[2])
                for job in progress(
                    jobs, verbose=self.verbose, desc="persistence", total=len(clouds)
                )
            ]
        else:
            results = Parallel(n_jobs=self.n_jobs, verbose=max(0, int(self.verbose) - 1))(jobs)
        return results

    def fit(self, X, y=None):
        """Compute the diagrams of every cloud of ``X`` and store them in ``diagrams_``."""
        results = self._compute(X)
        self.diagrams_ = pad_diagrams([r[0] for r in results])
        self.landmarks_ = [r[1] for r in results]
        self.covering_radius_ = np.array([r[2] for r in results], dtype=np.float64)
        return self

    def transform(self, X):
        """Padded diagrams of the clouds of ``X`` (stateless: computed afresh)."""
        return pad_diagrams([r[0] for r in self._compute(X)])

    def fit_transform(self, X, y=None):
        """Fit and return ``diagrams_`` without computing twice."""
        return self.fit(X).diagrams_

    def set_output(self, *, transform=None):
        """Accept ``set_output`` so a Pipeline can ask for pandas output downstream.

        Diagrams are a 3-D array, which no DataFrame holds, so the output stays a NumPy array
        whatever ``transform`` says; the feature step after it (e.g. :class:`DiagramFeatures`)
        honours the setting.
        """
        return self

    def __sklearn_tags__(self):
        return collection_tags(super().__sklearn_tags__(), requires_fit=False)
