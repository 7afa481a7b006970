r"""Generalisation measures as scikit-learn transformers: one network in, a few scalars out.

Three families, each a collection-level transformer (one sample per network) with a function
twin for one network:

* :class:`TopologyMeasures` / :func:`topology_measures`: the topology of the first-layer filter
  cloud, computed by :func:`~sktopo.pipeline.make_topology_pipeline` (longest H1 bar of the
  witness and of the exact Rips barcode, ratio of the two longest bars, persistence entropy,
  total persistence, the Mapper nerve's first Betti number) and the cloud's distance to the
  primary circle (:func:`~sktopo.filters.distance_to_model`);
* :class:`WeightNormMeasures` / :func:`weight_norm_measures`: the baselines of Jiang et al.
  (2020), "Fantastic generalization measures and where to find them" (ICLR): parameter count,
  log-products of Frobenius and spectral norms over layers, distance from initialisation, and
  the training loss and accuracy when the sample carries them;
* :class:`NeuralPersistence` / :func:`neural_persistence`: Rieck et al. (2019), "Neural
  Persistence: A Complexity Measure for Deep Neural Networks Using Algebraic Topology" (ICLR).

All three accept the same samples, so one collection of networks feeds them side by side in a
:class:`~sklearn.pipeline.FeatureUnion`. A sample is a network (a state dict of numpy arrays or
tensors, a torch module, a fitted skorch net, or one weight array), a pair ``(trained, initial)``
or a *record*: a mapping with the key ``"weights"`` (the network) and optionally
``"init_weights"``, ``"train_loss"`` and ``"train_accuracy"`` (the records of
:func:`sktopo.nn.train_many` are records). :class:`TopologyMeasures` also takes a raw filter
cloud, a 2-D array, as a sample.
"""

import math
import os
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import minimum_spanning_tree

from ._compat import StrOptions, validate_params
from ._docstrings import SHARED
from ._validation import Number, already_imported, as_numpy, check_cloud, single_source_kind
from .base import CollectionTransformer
from .filters import distance_to_model, extract_spatial_filters
from .pipeline import _FACTORY_CONSTRAINTS, make_topology_pipeline

__all__ = [
    "NETWORK_MEASURES",
    "TOPOLOGY_MEASURES",
    "NeuralPersistence",
    "TopologyMeasures",
    "WeightNormMeasures",
    "neural_persistence",
    "topology_measures",
    "weight_norm_measures",
]

#: Measures of :class:`TopologyMeasures`, which are also its output column names.
TOPOLOGY_MEASURES = (
    "max_lifetime_h1_witness",
    "max_lifetime_h1_exact",
    "lifetime_ratio_h1",
    "entropy_h1",
    "total_persistence_h1",
    "nerve_betti1",
    "distance_to_primary_circle_live",
    "pvalue_h1",
    "n_significant_h1",
    "rips_lifetime_h1",
)

#: The measures read from the significance readout (:mod:`sktopo.significance`).
_READOUT_MEASURES = ("pvalue_h1", "n_significant_h1", "rips_lifetime_h1")

#: Measures of :class:`WeightNormMeasures`, which are also its output column names.
NETWORK_MEASURES = (
    "n_parameters",
    "log_prod_frobenius",
    "log_prod_spectral",
    "distance_from_init",
    "train_loss",
    "train_accuracy",
)

_DEFAULT_NETWORK_MEASURES = NETWORK_MEASURES[:3]

# Persistent buffers of normalisation layers: state, not parameters.
_BUFFER_SUFFIXES = ("running_mean", "running_var", "num_batches_tracked")

_FRAGMENTS = {
    "network_samples": """A sample is one network: a state dict (names to numpy arrays or
    tensors, in torch layout), a torch module, a fitted skorch net or one weight array (a 4-D
    conv kernel or a 2-D dense weight); a pair ``(trained, initial)``; or a record, a mapping
    with the key ``"weights"`` (the network) and optionally ``"init_weights"``,
    ``"train_loss"`` and ``"train_accuracy"``, such as the records of
    :func:`sktopo.nn.train_many`. Only floating parameters count; the buffers of normalisation
    layers (running statistics) do not.""",
    "network_n_jobs": """n_jobs : int, default=None
        Networks processed in parallel through joblib; ``None`` means 1.""",
    "layers": """The layers are the parameter arrays of two or more dimensions: a dense weight
    ``(out, in)``, and a conv kernel ``(out, in, kh, kw)`` read as the matrix
    ``(out, in * kh * kw)`` (its rows are the output channels' receptive fields); biases and
    other 1-D parameters belong to no layer.""",
}


def _fill_doc(obj):
    obj.__doc__ = obj.__doc__ % {**SHARED, **_FRAGMENTS}
    return obj


def _check_measures(measures, known, name="measures"):
    """``measures`` as a tuple of known, distinct names; a clear error otherwise."""
    chosen = (measures,) if isinstance(measures, str) else tuple(measures)
    unknown = [m for m in chosen if m not in known]
    if unknown or not chosen or len(set(chosen)) < len(chosen):
        raise ValueError(
            f"{name} must be a non-empty list of distinct names among {list(known)}; "
            f"got {list(chosen)}."
        )
    return chosen


# =========================================================================== network samples


@dataclass
class _Network:
    """One parsed sample: parameter arrays (float64, finite) and what came with them."""

    weights: OrderedDict
    init_weights: OrderedDict = None
    extras: dict = field(default_factory=dict)


def _is_record(sample):
    """A record maps ``"weights"`` to a network; a state dict maps names to arrays."""
    return isinstance(sample, Mapping) and "weights" in sample \
        and as_numpy(sample["weights"]) is None


def _trained_part(sample):
    """The trained network of a record or a ``(trained, initial)`` pair; the sample otherwise."""
    if _is_record(sample):
        return sample["weights"]
    if isinstance(sample, tuple) and len(sample) == 2:
        return sample[0]
    return sample


def _module_parameters(module, name):
    torch = already_imported("torch")
    params = OrderedDict()
    for key, value in module.named_parameters():
        if isinstance(value, torch.nn.parameter.UninitializedParameter):
            raise ValueError(
                f"{name}: parameter {key!r} of the module is not initialised yet (a lazy layer); "
                "run the module once on a batch, or fit the net, first."
            )
        params[key] = as_numpy(value)
    return params


def _raw_parameters(source, name):
    """Name -> array of the parameters of one network source, without checks."""
    skorch_net = already_imported("skorch.net")
    if skorch_net is not None and isinstance(source, skorch_net.NeuralNet):
        if not getattr(source, "initialized_", False):
            raise ValueError(f"{name}: the skorch net is not initialised; fit it first.")
        source = source.module_
    torch = already_imported("torch")
    if torch is not None and isinstance(source, torch.nn.Module):
        return _module_parameters(source, name)
    if isinstance(source, Mapping):
        return OrderedDict(
            (str(k), arr) for k, v in source.items()
            if (arr := as_numpy(v)) is not None and not str(k).endswith(_BUFFER_SUFFIXES)
        )
    arr = as_numpy(source)
    if arr is not None and arr.ndim in (2, 4):
        return OrderedDict(weight=arr)
    raise TypeError(
        f"{name}: cannot read a network from a {type(source).__name__}. Pass a state dict, a "
        "torch module, a fitted skorch net, a 2-D or 4-D weight array, a (trained, initial) "
        "pair or a record {'weights': ..., 'init_weights': ...}."
    )


def _parameters(source, name):
    """The finite floating parameters of one network, as float64 arrays."""
    params = OrderedDict()
    for key, arr in _raw_parameters(source, name).items():
        if arr.dtype.kind == "c":
            raise TypeError(f"{name}: parameter {key!r} is complex; weights must be real.")
        if arr.dtype.kind != "f":
            continue  # integer entries of a state dict are counters, not parameters
        if not np.isfinite(arr).all():
            raise ValueError(
                f"{name}: parameter {key!r} holds NaN or infinite values; the network "
                "probably diverged during training."
            )
        params[key] = arr.astype(np.float64)
    if not params:
        raise ValueError(
            f"{name}: no floating-point parameters found in the network (a nested checkpoint? "
            "pass its state dict)."
        )
    return params


def _extras(record, name):
    """The training loss and accuracy of a record, checked to be finite numbers."""
    extras = {}
    for key in ("train_loss", "train_accuracy"):
        value = record.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
            raise ValueError(f"{name}[{key!r}] must be a finite number; got {value!r}.")
        extras[key] = float(value)
    return extras


def _parse_network(sample, name):
    """A network, pair or record as a :class:`_Network`."""
    if _is_record(sample):
        init = sample.get("init_weights")
        return _Network(
            _parameters(sample["weights"], f"{name}['weights']"),
            None if init is None else _parameters(init, f"{name}['init_weights']"),
            _extras(sample, name),
        )
    if isinstance(sample, tuple) and len(sample) == 2:
        return _Network(_parameters(sample[0], f"{name}[0]"), _parameters(sample[1], f"{name}[1]"))
    return _Network(_parameters(sample, name))


def _check_samples(X, estimator):
    """The samples of a collection of networks, refusing one network given alone."""
    single = single_source_kind(X)
    if single is None and isinstance(X, np.ndarray) and X.ndim == 2:
        single = "a single 2-D array"
    if single is not None:
        raise ValueError(
            f"X is {single}; {estimator} takes a collection of samples (networks). Wrap it in "
            "a list: [X]."
        )
    if isinstance(X, np.ndarray) and X.ndim >= 3:
        X = list(X)
    if not isinstance(X, (list, tuple)):
        raise TypeError(f"X must be a list of networks; got {type(X).__name__}.")
    if len(X) == 0:
        raise ValueError(f"X is an empty collection; {estimator} needs at least one network.")
    return list(X)


def _layer_matrices(weights):
    """Each layer's weight as a matrix ``(out, fan_in)`` (conv kernels flattened per output)."""
    return OrderedDict((k, w.reshape(w.shape[0], -1)) for k, w in weights.items() if w.ndim >= 2)


# =========================================================================== baselines


def _distance_from_init(net):
    if net.init_weights is None:
        raise ValueError(
            "distance_from_init needs the initial weights: give the sample as a pair "
            "(trained, initial) or a record with 'init_weights'."
        )
    final, init = net.weights, net.init_weights
    if final.keys() != init.keys() or any(final[k].shape != init[k].shape for k in final):
        raise ValueError(
            "The trained and initial networks have different parameters (names or shapes); "
            "they must be the same architecture."
        )
    return math.sqrt(sum(float(np.sum((final[k] - init[k]) ** 2)) for k in final))


def _log_norm_product(layers, order):
    norms = [np.linalg.norm(m, ord=order) for m in layers.values()]
    if not norms:
        raise ValueError("The network has no layer weight (no parameter of 2 or more dimensions).")
    with np.errstate(divide="ignore"):  # a zero layer makes the product 0: its log is -inf
        return float(np.sum(np.log(norms)))


def _network_measure(net, measure):
    if measure == "n_parameters":
        return float(sum(w.size for w in net.weights.values()))
    if measure == "log_prod_frobenius":
        return _log_norm_product(_layer_matrices(net.weights), "fro")
    if measure == "log_prod_spectral":
        return _log_norm_product(_layer_matrices(net.weights), 2)
    if measure == "distance_from_init":
        return _distance_from_init(net)
    if measure not in net.extras:
        raise ValueError(
            f"{measure} is not known for this network: give the sample as a record with the key "
            f"{measure!r}, or leave {measure!r} out of measures."
        )
    return net.extras[measure]


_NETWORK_CONSTRAINTS = {"measures": ["array-like", StrOptions(set(NETWORK_MEASURES))]}


@_fill_doc
@validate_params({"network": "no_validation", **_NETWORK_CONSTRAINTS},
                 prefer_skip_nested_validation=True)
def weight_norm_measures(network, measures=_DEFAULT_NETWORK_MEASURES):
    r"""Baseline generalisation measures of one network (Jiang et al., 2020).

    With layer weights :math:`W_1, \dots, W_L`, all parameters :math:`w` and the initial ones
    :math:`w^0`:

    * ``n_parameters``: the number of parameters (weights and biases);
    * ``log_prod_frobenius``: :math:`\log \prod_l \lVert W_l \rVert_F =
      \sum_l \log \lVert W_l \rVert_F`;
    * ``log_prod_spectral``: :math:`\sum_l \log \sigma_{\max}(W_l)`, the largest singular value
      of each layer matrix. For a conv layer that is the norm of the flattened kernel, not the
      operator norm of the convolution (which also depends on the input size and padding);
    * ``distance_from_init``: :math:`\lVert w - w^0 \rVert_2` over all parameters;
    * ``train_loss``, ``train_accuracy``: as given by a record.

    The products are reported as logarithms, as Jiang et al. do: they overflow or underflow for
    deep networks, and a rank statistic such as Kendall's tau is the same for both.

    %(network_samples)s

    %(layers)s

    Parameters
    ----------
    network : network, pair or record
        One sample, as above.
    measures : sequence of str, default=NETWORK_MEASURES[:3]
        Among ``NETWORK_MEASURES``. ``distance_from_init`` needs the initial weights and the
        training measures need a record holding them; a missing one raises an error.

    Returns
    -------
    values : dict of str to float
        One value per measure, in the order asked.

    See Also
    --------
    WeightNormMeasures : The same for a collection of networks.
    neural_persistence : The topological baseline.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.measures import weight_norm_measures
    >>> net = {"fc.weight": np.diag([3.0, -7.0, 2.0]), "fc.bias": np.zeros(3)}
    >>> start = {"fc.weight": np.zeros((3, 3)), "fc.bias": np.ones(3)}
    >>> values = weight_norm_measures((net, start), ["n_parameters", "log_prod_spectral",
    ...                                             "distance_from_init"])
    >>> values["n_parameters"], round(float(np.exp(values["log_prod_spectral"])), 6)
    (12.0, 7.0)
    >>> round(values["distance_from_init"] ** 2, 6)
    65.0
    """
    measures = _check_measures(measures, NETWORK_MEASURES)
    net = network if isinstance(network, _Network) else _parse_network(network, "network")
    return {m: _network_measure(net, m) for m in measures}


class _NetworkTransformer(CollectionTransformer):
    """Shared machinery of the transformers whose samples are networks: one row per network.

    Subclasses declare ``auto_wrap_output_keys=("transform",)`` themselves: the collection base
    sets no output wrapping for a class statement that does not ask for it.
    """

    _requires_fit = False

    def _validate_collection(self, X):
        name = type(self).__name__
        return [_parse_network(s, f"X[{i}]") for i, s in enumerate(_check_samples(X, name))]

    def _combine(self, results):
        rows = [row for row, _ in results]
        return np.array(rows, dtype=np.float64).reshape(len(rows), -1)


@_fill_doc
class WeightNormMeasures(_NetworkTransformer, auto_wrap_output_keys=("transform",)):
    r"""Baseline generalisation measures of every network of a collection (Jiang et al., 2020).

    Collection level: ``X`` is a list of networks and ``transform`` returns one row per network
    with one column per measure (see :func:`weight_norm_measures` for the definitions:
    parameter count, log-products of Frobenius and spectral norms over layers, distance from
    initialisation, training loss and accuracy). Stateless.

    %(network_samples)s

    The initial weights travel with each network (a pair or a record) rather than as a fit-time
    argument, so ``transform`` on new networks measures their own distance from initialisation.

    %(layers)s

    Parameters
    ----------
    measures : sequence of str, default=NETWORK_MEASURES[:3]
        Among ``NETWORK_MEASURES``; also the output columns.
    %(network_n_jobs)s
    %(collection_verbose)s

    Attributes
    ----------
    layer_names_ : list of list of str
        Names of the layers of each network seen in :meth:`fit`.

    See Also
    --------
    weight_norm_measures : The function for one network.
    NeuralPersistence, TopologyMeasures : The topological measures of the same samples.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.measures import WeightNormMeasures
    >>> nets = [{"conv.weight": np.full((2, 1, 3, 3), 1.0)}, {"fc.weight": np.eye(2)}]
    >>> WeightNormMeasures(["n_parameters", "log_prod_frobenius"]).fit_transform(nets).round(4)
    array([[18.    ,  1.4452],
           [ 4.    ,  0.3466]])
    """

    _parameter_constraints = {
        **_NETWORK_CONSTRAINTS, "n_jobs": [Integral, None], "verbose": ["verbose"],
    }

    def __init__(self, measures=_DEFAULT_NETWORK_MEASURES, n_jobs=None, verbose=0):
        self.measures = measures
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _validate_collection(self, X):
        _check_measures(self.measures, NETWORK_MEASURES)
        return super()._validate_collection(X)

    def _transform_one(self, net, random_state):
        values = weight_norm_measures(net, self.measures)
        return list(values.values()), list(_layer_matrices(net.weights))

    def _remember(self, samples, results):
        self.layer_names_ = [names for _, names in results]

    def get_feature_names_out(self, input_features=None):
        """The measures, in order.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored.

        Returns
        -------
        feature_names_out : ndarray of str
            The names in ``measures``, one per output column.
        """
        return np.asarray(_check_measures(self.measures, NETWORK_MEASURES), dtype=object)


# =========================================================================== neural persistence


def _layer_persistence(matrix, order):
    r"""Neural persistence of one layer whose weights are already normalised to [0, 1].

    The layer is the complete bipartite graph between its outputs and inputs; all vertices are
    born at 1 and the edges enter in decreasing order of weight, so each edge of a maximum
    spanning tree closes one component at its weight :math:`w'`: the diagram holds the points
    :math:`(1, w')`, of persistence :math:`1 - w'`. A minimum spanning tree of the costs
    :math:`2 - w' \in [1, 2]` is a maximum spanning tree of the weights (and no cost is zero,
    which scipy would read as a missing edge), with persistence ``cost - 1``.
    """
    n_out, n_in = matrix.shape
    rows, cols = np.indices(matrix.shape)
    costs = coo_matrix((2.0 - matrix.ravel(), (rows.ravel(), n_out + cols.ravel())),
                       shape=(n_out + n_in, n_out + n_in))
    persistence = minimum_spanning_tree(costs).data - 1.0
    return float(np.linalg.norm(persistence, ord=order)), (n_out + n_in - 1) ** (1.0 / order)


_NP_CONSTRAINTS = {"order": [Number(Real, 1, None, closed="both")]}  # inf: the longest


@_fill_doc
@validate_params({"network": "no_validation", **_NP_CONSTRAINTS, "return_layers": ["boolean"]},
                 prefer_skip_nested_validation=True)
def neural_persistence(network, *, order=2.0, return_layers=False):
    r"""Normalised neural persistence of one network (Rieck et al., 2019).

    The absolute weights are divided by the largest absolute weight of the whole network,
    :math:`w' = |w| / \max_{v} |v| \in [0, 1]`. Each layer :math:`G_k` is the complete
    bipartite graph between its outputs and inputs, filtered by decreasing :math:`w'`: every
    vertex is born at 1 and each edge of a maximum spanning tree kills a component at its
    weight, so the 0-dimensional diagram :math:`D_k` has the :math:`|V_k| - 1` points
    :math:`(1, w'_e)` of persistence :math:`1 - w'_e` (the component that never dies is left
    out, as in the paper's bound). The layer's neural persistence is the :math:`p`-norm of the
    diagram, and its normalised value divides it by the largest value it can take:

    .. math:: NP(G_k) = \Big(\sum_{e \in \mathrm{MST}} (1 - w'_e)^p\Big)^{1/p}, \qquad
              \widetilde{NP}(G_k) = \frac{NP(G_k)}{(|V_k| - 1)^{1/p}} \in [0, 1].

    The network's value is the mean of :math:`\widetilde{NP}` over its layers. Rieck et al.
    define it for dense layers; here a conv layer is the bipartite graph of its matrix
    ``(out, in * kh * kw)``, each output channel joined to every weight of its receptive field.

    %(layers)s

    Parameters
    ----------
    network : network, pair or record
        One sample; of a pair or record only the trained network counts.
    order : float, default=2.0
        Order :math:`p \ge 1` of the norm of the diagram (``np.inf``: the longest
        persistence); Rieck et al. use 2.
    return_layers : bool, default=False
        Also return the normalised value of each layer.

    Returns
    -------
    value : float
        Mean normalised neural persistence over the layers.
    layers : dict of str to float
        Only when ``return_layers=True``.

    See Also
    --------
    NeuralPersistence : The same for a collection of networks.

    Examples
    --------
    For the layer below, the spanning tree takes the weights 1, 0.5 and 0.25 (the 0 would close
    a cycle), so :math:`NP = \sqrt{0^2 + 0.5^2 + 0.75^2}` over :math:`\sqrt 3`:

    >>> import numpy as np
    >>> from sktopo.measures import neural_persistence
    >>> layer = {"fc.weight": np.array([[1.0, -0.5], [0.25, 0.0]])}
    >>> round(neural_persistence(layer), 6), round(float(np.sqrt(0.8125 / 3)), 6)
    (0.520416, 0.520416)
    """
    net = network if isinstance(network, _Network) else _parse_network(network, "network")
    layers = _layer_matrices(net.weights)
    if not layers:
        raise ValueError("The network has no layer weight (no parameter of 2 or more dimensions).")
    scale = max(float(np.abs(m).max()) for m in layers.values())
    if scale == 0.0:
        raise ValueError("Every layer weight is zero; neural persistence is not defined.")
    values = OrderedDict()
    for name, matrix in layers.items():
        value, bound = _layer_persistence(np.abs(matrix) / scale, order)
        values[name] = value / bound
    mean = float(np.mean(list(values.values())))
    return (mean, dict(values)) if return_layers else mean


@_fill_doc
class NeuralPersistence(_NetworkTransformer, auto_wrap_output_keys=("transform",)):
    r"""Normalised neural persistence of every network of a collection (Rieck et al., 2019).

    Collection level: ``X`` is a list of networks and ``transform`` returns one column,
    ``neural_persistence``, the mean over layers of the normalised 0-dimensional persistence of
    each layer's weight graph (see :func:`neural_persistence` for the definition). Stateless.

    %(network_samples)s Of a pair or record only the trained network counts.

    Parameters
    ----------
    order : float, default=2.0
        Order :math:`p` of the norm of each layer's diagram.
    %(network_n_jobs)s
    %(collection_verbose)s

    Attributes
    ----------
    layer_persistence_ : list of dict of str to float
        Normalised neural persistence of each layer of each network seen in :meth:`fit`.

    See Also
    --------
    neural_persistence : The function for one network.
    WeightNormMeasures, TopologyMeasures : The other measures of the same samples.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.measures import NeuralPersistence
    >>> rng = np.random.default_rng(0)
    >>> nets = [{"fc.weight": rng.normal(size=(4, 6))} for _ in range(3)]
    >>> NeuralPersistence().fit_transform(nets).shape
    (3, 1)
    """

    _parameter_constraints = {**_NP_CONSTRAINTS, "n_jobs": [Integral, None],
                              "verbose": ["verbose"]}

    def __init__(self, order=2.0, n_jobs=None, verbose=0):
        self.order = order
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _transform_one(self, net, random_state):
        value, layers = neural_persistence(net, order=self.order, return_layers=True)
        return [value], layers

    def _remember(self, samples, results):
        self.layer_persistence_ = [layers for _, layers in results]

    def get_feature_names_out(self, input_features=None):
        """The one output column, ``neural_persistence``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored.

        Returns
        -------
        feature_names_out : ndarray of str
            ``["neural_persistence"]``.
        """
        return np.asarray(["neural_persistence"], dtype=object)


# =========================================================================== topology


_TOPOLOGY_CONSTRAINTS = {
    "measures": ["array-like", StrOptions(set(TOPOLOGY_MEASURES))],
    **{name: _FACTORY_CONSTRAINTS[name] for name in (
        "k", "p", "backend", "n_landmarks", "nu", "coeff", "resolution", "gain", "rtol",
        "random_state",
    )},
}

# The diagram features every barcode measure is read from.
_BARCODE_FEATURES = ("max_lifetime", "top_lifetimes", "entropy", "total_persistence")


def _barcode_row(cloud, backend, mapper, significance, settings, random_state):
    """The H1 features (Mapper graph features, the significance readout) of one cloud, from the
    topology pipeline."""
    pipe = make_topology_pipeline(
        backend=backend, mapper=mapper, significance=significance, features=_BARCODE_FEATURES,
        homology_dimensions=(1,), random_state=random_state, **settings,
    )
    row = pipe.fit_transform([cloud])[0]
    return dict(zip(pipe.get_feature_names_out(), row))


def _lifetime_ratio(first, second):
    """First over second H1 lifetime: 1 without bars (none stands out), inf with a single one."""
    if second > 0:
        return first / second
    return math.inf if first > 0 else 1.0


def _barcode_measures(cloud, measures, backend, settings, random_state):
    """The measures read from barcodes and the Mapper graph, running each pipeline once."""
    needs_mapper = "nerve_betti1" in measures
    needs_readout = any(m in _READOUT_MEASURES for m in measures)
    rows = {}

    def row(kind):
        if kind not in rows:
            main = kind == backend
            rows[kind] = _barcode_row(cloud, kind, mapper=needs_mapper and main,
                                      significance=needs_readout and main,
                                      settings=settings, random_state=random_state)
        return rows[kind]

    values = {}
    for m in measures:
        if m == "max_lifetime_h1_witness":
            values[m] = row("witness")["max_lifetime_h1"]
        elif m == "max_lifetime_h1_exact":
            values[m] = row("exact")["max_lifetime_h1"]
        elif m == "lifetime_ratio_h1":
            bars = row(backend)
            values[m] = _lifetime_ratio(bars["lifetime_1_h1"], bars["lifetime_2_h1"])
        elif m in ("entropy_h1", "total_persistence_h1", "nerve_betti1", *_READOUT_MEASURES):
            values[m] = row(backend)[m]
    return values


@validate_params({"cloud": ["array-like"], **_TOPOLOGY_CONSTRAINTS},
                 prefer_skip_nested_validation=True)
def topology_measures(
    cloud,
    measures=TOPOLOGY_MEASURES,
    *,
    k=15,
    p=0.3,
    backend="witness",
    n_landmarks=100,
    nu=2,
    coeff=2,
    resolution=30,
    gain=3.0,
    rtol=1e-6,
    random_state=None,
):
    r"""Topological measures of one raw filter cloud, from the topology pipeline.

    Every barcode and graph comes from :func:`~sktopo.pipeline.make_topology_pipeline` with the
    settings given (normalise and drop dead filters, :math:`\rho(k, p)`, persistence, diagram
    features; Mapper for ``nerve_betti1``); with :math:`\ell_1 \ge \ell_2 \ge \dots` the H1
    lifetimes:

    * ``max_lifetime_h1_witness``: :math:`\ell_1` of the lazy witness barcode (the paper's
      topological simplicity);
    * ``max_lifetime_h1_exact``: :math:`\ell_1` of the exact Vietoris-Rips barcode of the
      filtered cloud (Rips edge lengths: a larger scale than the witness values);
    * ``lifetime_ratio_h1``: :math:`\ell_1 / \ell_2`, how far the longest bar stands out
      (1 without bars, ``inf`` with a single one);
    * ``entropy_h1``: :math:`-\sum_i q_i \log q_i`, :math:`q_i = \ell_i / \sum_j \ell_j`;
    * ``total_persistence_h1``: :math:`\sum_i \ell_i`;
    * ``nerve_betti1``: loops of the Mapper graph's flag complex (1 for a circle);
    * ``distance_to_primary_circle_live``: mean distance of the normalised live filters (all of
      them, before the density filtration) to the primary circle,
      :func:`~sktopo.filters.distance_to_model`;
    * ``pvalue_h1``, ``n_significant_h1``, ``rips_lifetime_h1``: the significance readout of
      the filtered cloud (:func:`~sktopo.significance.significance_readout` at its default
      subsample size): how sure a loop is, how many, and how long at a size that does not
      drift with the number of filters.

    The ratio, entropy, total persistence and ``nerve_betti1`` come from the ``backend``
    barcode run; each pipeline runs once however many measures read it.

    Parameters
    ----------
    cloud : array-like of shape (n_filters, kh * kw)
        Raw spatial filters, e.g. a network's first layer
        (:func:`~sktopo.filters.extract_spatial_filters`).
    measures : sequence of str, default=TOPOLOGY_MEASURES
        Measures to compute, in output order.
    k, p : int or float, float, default=15, 0.3
        The density filtration :math:`\rho(k, p)`.
    backend : {"witness", "landmark_rips", "exact"}, default="witness"
        Barcode of the ratio, entropy and total persistence.
    n_landmarks : int or float, default=100
        Landmarks of the witness barcode, or a fraction of the filtered cloud.
    nu : {0, 1, 2}, default=2
        Lazy witness parameter.
    coeff : int, default=2
        Prime of the coefficient field.
    resolution, gain : int, float, default=30, 3.0
        ``Mapper(resolution, gain)`` of ``nerve_betti1``.
    rtol : float, default=1e-6
        Dead-filter tolerance.
    random_state : int, RandomState instance or None, default=None
        Seed of the landmarks and of Mapper.

    Returns
    -------
    values : dict of str to float

    See Also
    --------
    TopologyMeasures : The same for a collection of clouds or networks.

    Examples
    --------
    >>> from sktopo.datasets import make_filter_cloud
    >>> from sktopo.measures import topology_measures
    >>> circle = make_filter_cloud("primary_circle", 300, noise=0.1, random_state=0)
    >>> noise = make_filter_cloud("gaussian", 300, random_state=0)
    >>> kw = dict(measures=["max_lifetime_h1_witness", "distance_to_primary_circle_live"],
    ...           k=10, p=0.5, n_landmarks=50, random_state=0)
    >>> a, b = topology_measures(circle, **kw), topology_measures(noise, **kw)
    >>> a["max_lifetime_h1_witness"] > b["max_lifetime_h1_witness"]
    True
    >>> a["distance_to_primary_circle_live"] < b["distance_to_primary_circle_live"]
    True
    """
    measures = _check_measures(measures, TOPOLOGY_MEASURES)
    cloud = check_cloud(cloud, name="cloud")
    settings = dict(k=k, p=p, n_landmarks=n_landmarks, nu=nu, coeff=coeff,
                    resolution=resolution, gain=gain, rtol=rtol)
    values = _barcode_measures(cloud, measures, backend, settings, random_state)
    if "distance_to_primary_circle_live" in measures:
        values["distance_to_primary_circle_live"] = distance_to_model(cloud, rtol=rtol)
    return {m: float(values[m]) for m in measures}


def _cloud_of(sample, layer, name):
    """A raw filter cloud from a 2-D array, or from the conv layer ``layer`` of a network."""
    if isinstance(sample, (list, np.ndarray)):
        try:
            arr = np.asarray(sample)
        except ValueError:  # ragged
            arr = None
        if arr is not None and arr.ndim == 2:
            return check_cloud(arr, name=name)
    if isinstance(sample, (str, os.PathLike)):
        raise TypeError(f"{name} is a path; load the network first (a state dict or module).")
    filters = extract_spatial_filters(_trained_part(sample), layer, kernel_size=None)
    return check_cloud(filters, name=f"{name} (layer {layer})")


@_fill_doc
class TopologyMeasures(CollectionTransformer, auto_wrap_output_keys=("transform",)):
    r"""Topological measures of every filter cloud or network of a collection.

    Collection level: a sample is a raw filter cloud (a 2-D array ``(n_filters, kh * kw)``) or
    a network, pair or record as for :class:`WeightNormMeasures`, whose conv layer ``layer``
    (the first by default) gives the cloud. ``transform`` returns one row per sample and one
    column per measure: the longest H1 bar of the witness and exact Rips barcodes, the ratio of
    the two longest bars, the H1 persistence entropy and total persistence, the Mapper nerve's
    first Betti number and the mean distance to the primary circle (definitions in
    :func:`topology_measures`). Every barcode and graph comes from
    :func:`~sktopo.pipeline.make_topology_pipeline`; the parameters are its own. Stateless.

    Parameters
    ----------
    measures : sequence of str, default=TOPOLOGY_MEASURES
        Measures to compute; also the output columns.
    layer : int or str, default=1
        Conv layer of network samples (1-based index or name); ignored for clouds.
    k, p : int or float, float, default=15, 0.3
        The density filtration :math:`\rho(k, p)`.
    backend : {"witness", "landmark_rips", "exact"}, default="witness"
        Barcode of the ratio, entropy and total persistence.
    n_landmarks : int or float, default=100
        Landmarks of the witness barcode, or a fraction of each filtered cloud.
    nu : {0, 1, 2}, default=2
        Lazy witness parameter.
    coeff : int, default=2
        Prime of the coefficient field.
    resolution, gain : int, float, default=30, 3.0
        ``Mapper(resolution, gain)`` of ``nerve_betti1``.
    rtol : float, default=1e-6
        Dead-filter tolerance.
    %(collection_random_state)s
    %(collection_n_jobs)s
    %(collection_verbose)s

    Attributes
    ----------
    n_features_in_ : int
        Weights per filter, when every cloud of the fitted collection has the same number.
    n_filters_ : ndarray of int, shape (n_samples,)
        Filters in each cloud seen in :meth:`fit` (dead ones included).

    See Also
    --------
    topology_measures : The function for one cloud.
    sktopo.pipeline.make_topology_pipeline : The analysis path the measures are read from.
    WeightNormMeasures, NeuralPersistence : Baselines of the same samples.

    Examples
    --------
    >>> from sktopo.datasets import make_filter_cloud
    >>> from sktopo.measures import TopologyMeasures
    >>> clouds = [make_filter_cloud("primary_circle", 200, noise=0.1, random_state=0),
    ...           make_filter_cloud("gaussian", 200, random_state=0)]
    >>> est = TopologyMeasures(["max_lifetime_h1_exact", "distance_to_primary_circle_live"],
    ...                        k=10, p=0.5, random_state=0)
    >>> F = est.fit_transform(clouds)
    >>> bool(F[0, 0] > F[1, 0]), bool(F[0, 1] < F[1, 1])
    (True, True)
    """

    _requires_fit = False
    _parameter_constraints = {
        **_TOPOLOGY_CONSTRAINTS,
        "layer": [Number(Integral, 1, None, closed="left"), str],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        measures=TOPOLOGY_MEASURES,
        layer=1,
        k=15,
        p=0.3,
        backend="witness",
        n_landmarks=100,
        nu=2,
        coeff=2,
        resolution=30,
        gain=3.0,
        rtol=1e-6,
        random_state=None,
        n_jobs=None,
        verbose=0,
    ):
        self.measures = measures
        self.layer = layer
        self.k = k
        self.p = p
        self.backend = backend
        self.n_landmarks = n_landmarks
        self.nu = nu
        self.coeff = coeff
        self.resolution = resolution
        self.gain = gain
        self.rtol = rtol
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _validate_collection(self, X):
        _check_measures(self.measures, TOPOLOGY_MEASURES)
        samples = _check_samples(X, type(self).__name__)
        return [_cloud_of(s, self.layer, f"X[{i}]") for i, s in enumerate(samples)]

    def _transform_one(self, cloud, random_state):
        params = {name: getattr(self, name) for name in _TOPOLOGY_CONSTRAINTS
                  if name != "random_state"}
        values = topology_measures(cloud, random_state=random_state, **params)
        return list(values.values()), len(cloud)

    def _remember(self, samples, results):
        self.n_filters_ = np.array([n for _, n in results], dtype=np.int64)

    def _combine(self, results):
        rows = [row for row, _ in results]
        return np.array(rows, dtype=np.float64).reshape(len(rows), -1)

    def get_feature_names_out(self, input_features=None):
        """The measures, in order.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored.

        Returns
        -------
        feature_names_out : ndarray of str
            The names in ``measures``, one per output column.
        """
        return np.asarray(_check_measures(self.measures, TOPOLOGY_MEASURES), dtype=object)
