"""Persistence diagrams of filter clouds: exact Vietoris-Rips, landmark Rips, lazy witness."""

from numbers import Integral

import numpy as np
from ripser import ripser
from scipy.spatial.distance import cdist

from .._compat import Real, RealNotInt, StrOptions, validate_params
from .._validation import Number, check_cloud, check_collection, resolve_count, unit_scale
from .._docstrings import fill_doc
from ..base import CollectionTransformer
from ._diagrams import pad_diagrams
from ._landmarks import maxmin_landmarks
from ._witness import check_nu, lazy_witness_matrix

BACKENDS = ("exact", "landmark_rips", "witness")
_MAX_MAXDIM = 2


def _is_prime(p):
    return p >= 2 and all(p % k for k in range(2, int(p**0.5) + 1))


class _Prime(Number):
    """An integer interval holding primes only: the coefficient field Z/p needs a prime p."""

    def is_satisfied_by(self, val):
        return super().is_satisfied_by(val) and _is_prime(val)

    def __str__(self):
        return "a prime int such as 2 or 3 (the field Z/p)"


#: Shared by :func:`persistence_diagrams` and :class:`Persistence`, so both give the same error
#: for the same mistake.
OPTION_CONSTRAINTS = {
    "backend": [StrOptions(set(BACKENDS))],
    "n_landmarks": [
        Number(Integral, 1, None, closed="left"),
        Number(RealNotInt, 0, 1, closed="neither"),
    ],
    "nu": [Number(Integral, 0, 2, closed="both")],
    "maxdim": [Number(Integral, 0, _MAX_MAXDIM, closed="both")],
    "coeff": [_Prime(Integral, 2, None, closed="left")],
    "threshold": [Number(Real, 0, None, closed="right")],
    "landmark_start": [
        StrOptions({"farthest", "random"}),
        Number(Integral, 0, None, closed="left"),
    ],
    "random_state": ["random_state"],
}


def resolve_landmarks(n_landmarks, n_points):
    """Landmarks used on a cloud of ``n_points``: ``n_landmarks``, or that fraction of the cloud."""
    return resolve_count(
        n_landmarks, n_points, name="n_landmarks", at_most=n_points,
        fix="Lower n_landmarks, keep more points in the density filtration (raise p), or use "
            "backend='exact' on a cloud this small.",
    )


@validate_params(
    {"X": ["array-like"], **OPTION_CONSTRAINTS, "return_landmarks": ["boolean"]},
    prefer_skip_nested_validation=True,
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
    n_landmarks : int or float, default=100
        Landmarks for the landmark backends (the paper used 100). An integer must not exceed
        ``n_points``; a float in (0, 1) is a fraction of the cloud.
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
    # Barcodes scale with the cloud: compute on a cloud of magnitude ~1 (so squared distances
    # neither overflow nor underflow) and scale the values back exactly (a power of two).
    X, factor = unit_scale(check_cloud(X))
    threshold = threshold / factor
    n = len(X)
    if backend == "exact":
        dgms = ripser(X, maxdim=maxdim, thresh=threshold, coeff=coeff)["dgms"]
        landmarks, radius = np.arange(n), 0.0
    else:
        n_landmarks = resolve_landmarks(n_landmarks, n)
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
    dgms = [np.asarray(d, dtype=np.float64).reshape(-1, 2) * factor for d in dgms]
    if return_landmarks:
        return dgms, landmarks, radius * factor
    return dgms


@fill_doc
class Persistence(CollectionTransformer):
    """Persistence diagrams of every cloud of a collection (collection level).

    ``X`` is a list of clouds (or a 3-D array); ``transform`` returns one diagram per cloud in the
    padded format: an array of shape ``(n_samples, n_pairs, 3)`` with rows
    ``[birth, death, dim]``, padding rows ``[0, 0, dim]`` and infinite deaths kept as ``np.inf``
    (:func:`unpad_diagrams` gives ripser-style lists back). The maths is in
    :func:`persistence_diagrams`; the default reproduces the paper's JavaPlex setting (lazy
    witness complex, ``nu=2``, 100 max-min landmarks).

    Parameters
    ----------
    backend : {"witness", "landmark_rips", "exact"}, default="witness"
        Filtration; see :func:`persistence_diagrams`.
    n_landmarks : int or float, default=100
        Landmarks per cloud for the landmark backends. An integer must not exceed any cloud's
        size (an error names the fix otherwise); a float in (0, 1) is a fraction of each cloud.
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
    %(collection_random_state)s
        Used by ``landmark_start="random"``.
    %(collection_n_jobs)s
    %(collection_verbose)s

    Attributes
    ----------
    diagrams_ : ndarray of shape (n_samples, n_pairs, 3)
        Padded diagrams of the clouds seen in :meth:`fit`.
    n_landmarks_ : ndarray of int, shape (n_samples,)
        Landmarks used on each cloud (``n_landmarks`` itself, or the fraction resolved; every
        point for ``backend="exact"``).
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

    _requires_fit = False
    _parameter_constraints = {
        **OPTION_CONSTRAINTS,
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

    def _validate_collection(self, X):
        # Diagrams of one collection share a layout, so every cloud must live in one space.
        return check_collection(X, same_dim=True)

    def _transform_one(self, cloud, random_state):
        n_landmarks = (len(cloud) if self.backend == "exact"
                       else resolve_landmarks(self.n_landmarks, len(cloud)))
        dgms, landmarks, radius = persistence_diagrams(
            cloud, backend=self.backend, n_landmarks=n_landmarks, nu=self.nu,
            maxdim=self.maxdim, coeff=self.coeff, threshold=self.threshold,
            landmark_start=self.landmark_start, random_state=random_state,
            return_landmarks=True,
        )
        return dgms, landmarks, radius

    def _remember(self, samples, results):
        self.diagrams_ = pad_diagrams([dgms for dgms, _, _ in results])
        self.landmarks_ = [landmarks for _, landmarks, _ in results]
        self.n_landmarks_ = np.array([len(lm) for lm in self.landmarks_], dtype=np.int64)
        self.covering_radius_ = np.array([r for _, _, r in results], dtype=np.float64)

    def _combine(self, results):
        return pad_diagrams([dgms for dgms, _, _ in results])

    def get_feature_names_out(self, input_features=None):
        """The columns of a padded diagram row: ``birth``, ``death``, ``dimension``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored.

        Returns
        -------
        feature_names_out : ndarray of str
            ``["birth", "death", "dimension"]``.
        """
        return np.asarray(["birth", "death", "dimension"], dtype=object)
