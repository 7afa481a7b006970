"""Contract checks for collection-level estimators, whose samples are clouds, not rows.

scikit-learn's :func:`~sklearn.utils.estimator_checks.parametrize_with_checks` feeds 2-D tables
and so cannot test an estimator whose sample is a point cloud (or its diagram, or its Mapper
graph, or a network's weights). The checks here state that contract instead: one output per
sample, the same answer for a list and a 3-D array, clear errors for a single sample, an empty
collection or NaN, cloning, pickling, seeding, and pandas output through a Pipeline and a
FeatureUnion. :func:`parametrize_with_collection_checks` turns them into pytest cases the way
scikit-learn does, with written reasons for expected failures.

Each estimator gets tiny inputs of its kind (:func:`input_kind`): clouds by default, padded
diagrams, graphs, weight arrays or images for the estimators registered in :data:`INPUT_KINDS`.
"""

import pickle
import re
from functools import partial

import joblib
import networkx as nx
import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.utils import get_tags

from ..filters import DensityFiltration, FilterNormalizer, SpatialFilterExtractor
from ..homology import DiagramFeatures, Persistence, pad_diagrams
from ..mapper import Mapper, MapperGraphFeatures

__all__ = [
    "INPUT_KINDS",
    "check_collection_estimator",
    "collection_checks_generator",
    "construct_instance",
    "input_kind",
    "make_input",
    "parametrize_with_collection_checks",
    "sample_level",
]

# --------------------------------------------------------------------------- tiny instances


def _tiny_weight_topology_params():
    # Imported here: sktopo.nn imports torch, which the other checks do without.
    from ..filters import PerCloud
    from ..nn import make_net

    net = make_net("M", (4, 0, 4), max_iter=2, batch_size=32)
    return {"net": net, "topology": PerCloud(FilterNormalizer()), "random_state": 0}


def _tiny_prior_net_params():
    # The skorch net make_net builds with a prior, two batch iterations long.
    from ..nn import make_net

    net = make_net("M", (4, 0, 4), max_iter=2, batch_size=32, random_state=0,
                   prior="primary_circle", prior_weight=0.1)
    return net.get_params(deep=False)


#: Constructor arguments that keep every check to tens of points (and a two-step net).
_TINY_PARAMS = {
    "DensityFiltration": lambda: {"k": 3, "p": 0.75},
    "KNNDensity": lambda: {"k": 3},
    "Mapper": lambda: {"resolution": 4, "gain": 2.0, "random_state": 0},
    "PerCloud": lambda: {"transformer": FilterNormalizer()},
    # Random first landmarks, so that the seeding check has something to check; nu=1 because
    # with so few landmarks nu=2 joins everything at 0 and leaves one bar, the same for any seed.
    "Persistence": lambda: {
        "n_landmarks": 8, "nu": 1, "landmark_start": "random", "random_state": 0,
    },
    "WeightTopology": _tiny_weight_topology_params,
    "TopologyPriorNet": _tiny_prior_net_params,
    # Every measure, on clouds of about 20 points (nu=1 for the reason given for Persistence).
    "TopologyMeasures": lambda: {
        "k": 3, "p": 0.75, "n_landmarks": 8, "nu": 1, "resolution": 4, "gain": 2.0,
        "random_state": 0,
    },
}


def construct_instance(Estimator):
    """An instance of ``Estimator`` sized for quick checks.

    Parameters
    ----------
    Estimator : type
        An estimator class, e.g. from :func:`sktopo.utils.all_estimators`.

    Returns
    -------
    estimator : estimator instance
        Built from the small parameters registered for its class name, or with the defaults
        (and ``random_state=0`` where there is one).

    Raises
    ------
    TypeError
        When the class needs constructor arguments that are not registered.
    """
    make_params = _TINY_PARAMS.get(Estimator.__name__, dict)
    try:
        estimator = Estimator(**make_params())
    except TypeError as exc:
        raise TypeError(
            f"{Estimator.__name__} cannot be built with {make_params()}: {exc}. Register small "
            "constructor arguments for it in _TINY_PARAMS of sktopo/utils/estimator_checks.py."
        ) from exc
    if "random_state" in estimator.get_params(deep=False) and estimator.random_state is None:
        estimator.set_params(random_state=0)
    return estimator


# --------------------------------------------------------------------------- inputs

#: Estimators whose samples are not point clouds, by class name. Every other estimator whose
#: tags refuse 2-D input takes clouds.
INPUT_KINDS = {
    "DiagramFeatures": "diagrams",
    "MapperGraphFeatures": "graphs",
    "NeuralPersistence": "networks",
    "SpatialFilterExtractor": "networks",
    "WeightNormMeasures": "networks",
    # Its tags are scikit-learn's defaults (2-D input), but a sample is an image: registered
    # here so it is never sent to the 2-D table checks.
    "WeightTopology": "images",
    "TopologyPriorNet": "images",
}


def input_kind(estimator):
    """What one sample of ``estimator`` is.

    Parameters
    ----------
    estimator : estimator instance

    Returns
    -------
    kind : {"table", "clouds", "diagrams", "graphs", "networks", "images"}
        ``"table"`` for filter-level estimators (rows of a 2-D array).
    """
    name = type(estimator).__name__
    if name in INPUT_KINDS:
        return INPUT_KINDS[name]
    return "table" if get_tags(estimator).input_tags.two_d_array else "clouds"


def sample_level(estimator):
    """``"filter"`` when a sample is a row of a 2-D array, ``"collection"`` otherwise."""
    return "filter" if input_kind(estimator) == "table" else "collection"


def _clouds(sizes=(24, 20, 28), n_features=9, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(n, n_features)) for n in sizes]


def _diagrams(n_samples=3, seed=0):
    rng = np.random.default_rng(seed)
    per_cloud = []
    for i in range(n_samples):
        births = rng.uniform(0, 0.5, size=3 + i)
        h0 = np.column_stack([np.zeros(4), np.r_[rng.uniform(0.1, 1, 3), np.inf]])
        h1 = np.column_stack([births, births + rng.uniform(0.05, 1, births.size)])
        per_cloud.append([h0, h1])
    return pad_diagrams(per_cloud)


def _graphs():
    return [nx.cycle_graph(6), nx.complete_graph(4), nx.path_graph(5)]


def _networks(seed=0):
    # A state dict first (the common case), then bare 4-D kernels in torch layout.
    rng = np.random.default_rng(seed)
    kernels = [rng.normal(size=(6, 4, 3, 3)) for _ in range(3)]
    return [{"conv1.weight": kernels[0], "conv1.bias": np.zeros(6)}, kernels[1], kernels[2]]


def _images(seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((64, 12, 12), dtype=np.float32), np.arange(64) % 10


def make_input(kind):
    """Tiny ``(X, y)`` of ``kind`` (see :func:`input_kind`); ``y`` is ``None`` but for images."""
    makers = {"clouds": _clouds, "diagrams": _diagrams, "graphs": _graphs, "networks": _networks}
    if kind == "images":
        return _images()
    return makers[kind](), None


def _equal_size_input(kind):
    """Equal-size samples as a list and as one stacked array, or ``None`` when meaningless."""
    if kind == "clouds":
        clouds = _clouds(sizes=(20, 20, 20))
        return clouds, np.stack(clouds)
    if kind == "diagrams":
        diagrams = _diagrams()
        return list(diagrams), diagrams
    if kind == "networks":
        kernels = _networks()[1:]
        return kernels, np.stack(kernels)
    return None


def _single_samples(kind, X):
    """Ways to pass one sample where a collection is expected."""
    if kind == "networks":
        return [X[0], X[1]]  # one state dict, one 4-D kernel
    if kind in ("clouds", "diagrams", "graphs"):
        return [X[0]]
    # A flat (n, H*W) batch is valid image input, so a single (H, W) image is not a mistake.
    return []


def _empty_input(kind, X, y):
    if kind == "images":
        return X[:0], y[:0]
    return [], None


def _with_nan(kind, X):
    """``X`` with one NaN value in its first sample, or ``None`` where no value can be NaN."""
    if kind == "graphs":
        return None
    if kind == "networks":
        bad = [dict(X[0]), *X[1:]]
        bad[0]["conv1.weight"] = bad[0]["conv1.weight"].copy()
        bad[0]["conv1.weight"][0, 0, 0, 0] = np.nan
        return bad
    bad = [np.array(s, copy=True) for s in X] if isinstance(X, list) else X.copy()
    bad[0][0, 0] = np.nan
    return bad


# --------------------------------------------------------------------------- helpers


def _fit(estimator, X, y=None):
    return estimator.fit(X) if y is None else estimator.fit(X, y)


def _output(estimator, X):
    """What a fitted estimator gives for ``X``: its transform, else its class probabilities."""
    if hasattr(estimator, "transform"):
        return estimator.transform(X)
    if hasattr(estimator, "predict_proba"):
        return estimator.predict_proba(X)
    return estimator.predict(X)


def _assert_same(a, b, path="output"):
    """Equal values: arrays, DataFrames, graphs (with node data), estimators (by class and
    parameters), and lists, tuples and dicts of them."""
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b)
    elif isinstance(a, nx.Graph):
        assert isinstance(b, nx.Graph), f"{path}: a graph against a {type(b).__name__}"
        assert list(a.edges(data=True)) == list(b.edges(data=True)), f"{path}: edges differ"
        _assert_same(dict(a.nodes(data=True)), dict(b.nodes(data=True)), f"{path}.nodes")
        _assert_same(a.graph, b.graph, f"{path}.graph")
    elif hasattr(a, "get_params") and not isinstance(a, type):
        assert type(a) is type(b), f"{path}: {type(a).__name__} != {type(b).__name__}"
        _assert_same(a.get_params(deep=False), b.get_params(deep=False), f"{path}.params")
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), f"{path}: keys {sorted(a)} != {sorted(b)}"
        for key in a:
            _assert_same(a[key], b[key], f"{path}[{key!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), f"{path}: {len(a)} items against {len(b)}"
        for i, (u, v) in enumerate(zip(a, b)):
            _assert_same(u, v, f"{path}[{i}]")
    elif isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=path)
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def _assert_refused(call, pattern, what):
    """``call()`` raises a ValueError or TypeError whose message matches ``pattern``."""
    try:
        call()
    except (ValueError, TypeError) as exc:
        assert re.search(pattern, str(exc), flags=re.IGNORECASE), (
            f"{what} raised {type(exc).__name__}({str(exc)!r}), whose message does not say "
            f"what is wrong (expected it to match {pattern!r})."
        )
    else:
        raise AssertionError(f"{what} was accepted; a ValueError or TypeError was expected.")


def _fitted(estimator, kind):
    X, y = make_input(kind)
    return _fit(clone(estimator), X, y), X, y


# --------------------------------------------------------------------------- the checks


def check_collection_tags(name, estimator):
    """The tags refuse 2-D input, so tag-driven tools never feed the estimator a table."""
    tags = get_tags(estimator)
    assert not tags.input_tags.two_d_array, (
        f"{name} takes {input_kind(estimator)}, but its tags say input_tags.two_d_array=True; "
        "set it to False in __sklearn_tags__."
    )


def check_init_sets_only_params(name, estimator):
    """``__init__`` stores each parameter unchanged, under its own name, and nothing else."""
    params = estimator.get_params(deep=False)
    fresh = type(estimator)(**params)
    public = {k: v for k, v in vars(fresh).items() if not k.startswith("_")}
    assert public.keys() == params.keys(), (
        f"{name}.__init__ sets {sorted(public)} but the parameters are {sorted(params)}."
    )
    for key, value in params.items():
        assert public[key] is value, f"{name}.__init__ changes parameter {key!r} on the way in."


def check_get_set_params_round_trip(name, estimator):
    """``set_params(**get_params())`` is a no-op returning self; a clone has equal params."""
    est = clone(estimator)
    before = est.get_params(deep=False)
    assert est.set_params(**before) is est, f"{name}.set_params does not return self."
    after = est.get_params(deep=False)
    assert all(after[k] is v for k, v in before.items()), f"{name}.set_params replaced values."
    est.set_params(**est.get_params(deep=True))
    twin = clone(est)
    assert twin is not est
    _assert_same(est.get_params(deep=False), twin.get_params(deep=False), f"{name} params")


def check_fit_returns_self_and_keeps_params(name, estimator):
    """``fit`` returns self and neither replaces nor mutates a parameter (nested ones too)."""
    est = clone(estimator)
    X, y = make_input(input_kind(est))
    before = est.get_params(deep=False)
    digest = joblib.hash(before)
    assert _fit(est, X, y) is est, f"{name}.fit does not return self."
    after = est.get_params(deep=False)
    changed = sorted(k for k in before if after[k] is not before[k])
    assert not changed, f"{name}.fit replaced the parameters {changed}."
    assert joblib.hash(after) == digest, f"{name}.fit mutated a parameter object in place."


def check_transform_length(name, estimator):
    """``transform`` and ``fit_transform`` give one output per sample of the collection."""
    X, y = make_input(input_kind(estimator))
    Xt_fit = clone(estimator).fit_transform(X, y)
    Xt = _fit(clone(estimator), X, y).transform(X)
    assert len(Xt_fit) == len(X), f"{name}.fit_transform: {len(Xt_fit)} outputs for {len(X)}."
    assert len(Xt) == len(X), f"{name}.transform: {len(Xt)} outputs for {len(X)} samples."


def check_list_matches_array(name, estimator):
    """A list of equal-size samples and the same samples stacked in one array agree."""
    as_list, as_array = _equal_size_input(input_kind(estimator))
    from_list = clone(estimator).fit_transform(as_list)
    from_array = clone(estimator).fit_transform(as_array)
    _assert_same(from_list, from_array, f"{name}: list against stacked array")


def check_fit_transform_matches_fit_then_transform(name, estimator):
    """``fit_transform(X)`` equals ``fit(X).transform(X)`` (with ``random_state`` fixed)."""
    X, y = make_input(input_kind(estimator))
    once = clone(estimator).fit_transform(X, y)
    twice = _fit(clone(estimator), X, y).transform(X)
    _assert_same(once, twice, f"{name}: fit_transform against fit().transform()")


def check_unfitted_transform(name, estimator):
    """A stateless estimator (``requires_fit=False``) transforms unfitted, with the fitted
    result; a stateful one raises ``NotFittedError``."""
    X, y = make_input(input_kind(estimator))
    if get_tags(estimator).requires_fit:
        try:
            clone(estimator).transform(X)
        except NotFittedError:
            return
        raise AssertionError(f"{name} requires fit but transformed without it.")
    _assert_same(clone(estimator).transform(X), _fit(clone(estimator), X, y).transform(X),
                 f"{name}: unfitted against fitted transform")


def check_random_state_determinism(name, estimator):
    """Two fits with the same ``random_state`` give the same output."""
    est = clone(estimator).set_params(random_state=0)
    X, y = make_input(input_kind(est))
    first = _output(_fit(clone(est), X, y), X)
    second = _output(_fit(clone(est), X, y), X)
    _assert_same(first, second, f"{name} with random_state=0, fitted twice")


def check_pickle_round_trip(name, estimator):
    """A pickled and restored fitted estimator gives the same output."""
    est, X, _ = _fitted(estimator, input_kind(estimator))
    restored = pickle.loads(pickle.dumps(est))
    _assert_same(_output(est, X), _output(restored, X), f"{name} after pickling")


def check_single_sample_refused(name, estimator):
    """One sample where a collection is expected raises an error that asks for a list."""
    kind = input_kind(estimator)
    est, X, _ = _fitted(estimator, kind)
    for single in _single_samples(kind, X):
        shape = f" of shape {single.shape}" if hasattr(single, "shape") else ""
        what = f"{name}.fit on a single {type(single).__name__}{shape}"
        _assert_refused(lambda: clone(estimator).fit(single), r"list|collection", what)
        if hasattr(est, "transform"):
            _assert_refused(lambda: est.transform(single), r"list|collection",
                            what.replace(".fit", ".transform"))


def check_empty_collection_refused(name, estimator):
    """An empty collection raises an error that says it is empty."""
    kind = input_kind(estimator)
    est, X, y = _fitted(estimator, kind)
    X_empty, y_empty = _empty_input(kind, X, y)
    pattern = r"empty|at least one|holds no|\(0,"
    _assert_refused(lambda: _fit(clone(estimator), X_empty, y_empty), pattern,
                    f"{name}.fit on an empty collection")
    if hasattr(est, "transform"):
        _assert_refused(lambda: est.transform(X_empty), pattern,
                        f"{name}.transform on an empty collection")


def check_nan_refused(name, estimator):
    """A sample holding NaN raises an error that names NaN."""
    kind = input_kind(estimator)
    est, X, y = _fitted(estimator, kind)
    bad = _with_nan(kind, X)
    _assert_refused(lambda: _fit(clone(estimator), bad, y), r"NaN",
                    f"{name}.fit on a sample with NaN")
    if hasattr(est, "transform"):
        _assert_refused(lambda: est.transform(bad), r"NaN",
                        f"{name}.transform on a sample with NaN")


# --------------------------------------------------------------------------- pipelines


def _reference_branches():
    """The two feature branches of a topology pipeline, each step with (input, output) kinds."""
    persistence = Persistence(n_landmarks=8, nu=1, random_state=0)
    diagram = [("persistence", persistence, "clouds", "diagrams"),
               ("features", DiagramFeatures(), "diagrams", "features")]
    mapper = [("mapper", Mapper(resolution=4, gain=2.0, random_state=0), "clouds", "graphs"),
              ("features", MapperGraphFeatures(), "graphs", "features")]
    return {"diagram": diagram, "mapper": mapper}


def _splice(branch, estimator, kind_in, kind_out):
    """The branch with the steps from ``kind_in`` to ``kind_out`` replaced by ``estimator``."""
    kinds = [step[2] for step in branch] + [branch[-1][3]]
    if kind_in not in kinds or kind_out not in kinds:
        return None
    i, j = kinds.index(kind_in), kinds.index(kind_out)
    if j < i:
        return None
    steps = [s[:2] for s in branch]
    return steps[:i] + [("estimator", estimator)] + steps[j:]


def _output_kind(Xt):
    if isinstance(Xt, pd.DataFrame) or (isinstance(Xt, np.ndarray) and Xt.ndim == 2):
        return "features"
    if isinstance(Xt, np.ndarray) and Xt.ndim == 3 and Xt.shape[-1] == 3:
        return "diagrams"
    if len(Xt) and all(isinstance(g, nx.Graph) for g in Xt):
        return "graphs"
    return "clouds"


def _kinds(estimator):
    """Input and output kinds of a transformer, the output found by running it."""
    kind_in = input_kind(estimator)
    X, y = make_input(kind_in)
    return kind_in, _output_kind(clone(estimator).fit_transform(X, y))


def _leads(kind_in, kind_out):
    """Whether the estimator goes first, ahead of the reference pipeline (a cloud step)."""
    return kind_out == "clouds" and kind_in in ("clouds", "networks")


def _feature_pipeline(estimator):
    """The estimator in a Pipeline that ends in a feature step, and that Pipeline's input."""
    kind_in, kind_out = _kinds(estimator)
    if (kind_in, kind_out) == ("networks", "features"):
        # A feature step on networks (a generalisation measure) is a whole feature pipeline.
        return Pipeline([("estimator", estimator)]), make_input(kind_in)[0]
    branches = _reference_branches()
    if _leads(kind_in, kind_out):
        steps = [("estimator", estimator)] + [s[:2] for s in branches["diagram"]]
        return Pipeline(steps), make_input(kind_in)[0]
    for branch in branches.values():
        steps = _splice(branch, estimator, kind_in, kind_out)
        if steps is not None:
            return Pipeline(steps), make_input("clouds")[0]
    raise AssertionError(f"No feature pipeline takes an estimator from {kind_in} to {kind_out}.")


def _union_pipeline(estimator):
    """The estimator in DensityFiltration -> FeatureUnion(diagram branch, Mapper branch)."""
    kind_in, kind_out = _kinds(estimator)
    branches = _reference_branches()
    density = ("density", DensityFiltration(k=3, p=0.75))
    if (kind_in, kind_out) == ("networks", "features"):
        # Beside a topology branch that reads the same networks through their filters.
        topology = Pipeline([("extract", SpatialFilterExtractor(kernel_size=None)), density,
                             *[s[:2] for s in branches["diagram"]]])
        union = FeatureUnion([("estimator", estimator), ("topology", topology)])
        return Pipeline([("union", union)]), make_input(kind_in)[0]
    union = {name: [s[:2] for s in branch] for name, branch in branches.items()}
    head = [density]
    if _leads(kind_in, kind_out):
        head = [("estimator", estimator), density]
    else:
        spliced = {n: _splice(b, estimator, kind_in, kind_out) for n, b in branches.items()}
        name = next((n for n, s in spliced.items() if s is not None), None)
        assert name is not None, f"No branch takes an estimator from {kind_in} to {kind_out}."
        union[name] = spliced[name]
    union_step = FeatureUnion([(n, Pipeline(s)) for n, s in union.items()])
    X = make_input(kind_in if head[0][0] == "estimator" else "clouds")[0]
    return Pipeline(head + [("union", union_step)]), X


def _assert_pandas_output(pipe, X, name):
    pipe.set_output(transform="pandas")
    Xt = pipe.fit_transform(X)
    assert isinstance(Xt, pd.DataFrame), f"{name}: a {type(Xt).__name__}, not a DataFrame."
    assert len(Xt) == len(X), f"{name}: {len(Xt)} rows for {len(X)} samples."
    names = list(pipe.get_feature_names_out())
    assert list(Xt.columns) == names, f"{name}: columns {list(Xt.columns)} != {names}."
    assert len(set(names)) == len(names) > 0, f"{name}: empty or repeated column names."


def check_pandas_output_in_pipeline(name, estimator):
    """In a Pipeline ending in a feature step, ``set_output(transform="pandas")`` gives a
    DataFrame whose columns are the Pipeline's ``get_feature_names_out()``."""
    pipe, X = _feature_pipeline(clone(estimator))
    _assert_pandas_output(pipe, X, f"{name} in {[s for s, _ in pipe.steps]}")


def check_pandas_output_in_feature_union(name, estimator):
    """The same through a FeatureUnion of a diagram branch and a Mapper branch that both
    follow DensityFiltration, the estimator in its own slot."""
    pipe, X = _union_pipeline(clone(estimator))
    _assert_pandas_output(pipe, X, f"{name} in a FeatureUnion pipeline")


# --------------------------------------------------------------------------- generation


def _yield_checks(estimator):
    """The checks that apply to ``estimator``, in a fixed order.

    An estimator without ``transform`` (a meta-estimator such as ``WeightTopology``, which
    trains on images and predicts labels) gets the parameter, seeding, pickling and input-error
    checks, its output being ``predict_proba``; the output-length and pipeline checks need a
    ``transform``.
    """
    kind = input_kind(estimator)
    if kind == "table":
        raise ValueError(
            f"{type(estimator).__name__} takes 2-D tables (filter level); check it with "
            "scikit-learn's parametrize_with_checks."
        )
    transforms = hasattr(estimator, "transform")
    yield check_collection_tags
    yield check_init_sets_only_params
    yield check_get_set_params_round_trip
    yield check_fit_returns_self_and_keeps_params
    if transforms:
        yield check_transform_length
        yield check_fit_transform_matches_fit_then_transform
        yield check_unfitted_transform
    if transforms and _equal_size_input(kind) is not None:
        yield check_list_matches_array
    if "random_state" in estimator.get_params(deep=False):
        yield check_random_state_determinism
    yield check_pickle_round_trip
    if _single_samples(kind, make_input(kind)[0]):
        yield check_single_sample_refused
    yield check_empty_collection_refused
    if kind != "graphs":  # a graph holds no number that could be NaN
        yield check_nan_refused
    if transforms:
        yield check_pandas_output_in_pipeline
        yield check_pandas_output_in_feature_union


def _check_expected_failures(estimator, expected):
    """Refuse entries that name no check at all (a typo) or give no reason.

    An entry for a check that exists but does not apply to this estimator is let through: what
    applies can change with the estimator (it gains a ``transform``, a ``random_state``).
    """
    known = {
        name for name in globals()
        if name.startswith("check_") and name != "check_collection_estimator"
    }
    unknown = sorted(set(expected) - known)
    if unknown:
        raise ValueError(
            f"Expected failures {unknown} of {type(estimator).__name__} name no collection "
            f"check; the checks are {sorted(known)}."
        )
    blank = sorted(k for k, reason in expected.items() if not str(reason).strip())
    if blank:
        raise ValueError(f"Expected failures {blank} of {type(estimator).__name__} need a reason.")


def collection_checks_generator(estimator, *, expected_failed_checks=None, mark=None,
                                xfail_strict=None):
    """Yield ``(estimator, check)`` pairs for every check that applies to ``estimator``.

    Parameters
    ----------
    estimator : estimator instance
        A collection-level estimator.
    expected_failed_checks : dict of str to str, default=None
        ``{check_name: reason}`` of checks known to fail.
    mark : {"xfail", None}, default=None
        ``"xfail"`` wraps expected failures in ``pytest.param`` with an xfail mark.
    xfail_strict : bool or None, default=None
        Passed to ``pytest.mark.xfail``: whether an expected failure that passes fails the run.

    Yields
    ------
    estimator, check : estimator instance and callable
        ``check(estimator)`` runs the check; with ``mark="xfail"`` expected failures come as
        ``pytest.param`` objects.
    """
    expected = dict(expected_failed_checks or {})
    _check_expected_failures(estimator, expected)
    name = type(estimator).__name__
    for check in _yield_checks(estimator):
        bound = partial(check, name)
        if check.__name__ in expected and mark == "xfail":
            import pytest

            xfail = pytest.mark.xfail(reason=expected[check.__name__], strict=xfail_strict)
            yield pytest.param(estimator, bound, marks=xfail)
        else:
            yield estimator, bound


def _check_id(value):
    if isinstance(value, partial):
        return value.func.__name__
    if hasattr(value, "get_params"):
        return type(value).__name__
    return None


def parametrize_with_collection_checks(estimators, *, expected_failed_checks=None,
                                       xfail_strict=None):
    """Pytest decorator running every collection-level check on every estimator.

    Works like scikit-learn's :func:`~sklearn.utils.estimator_checks.parametrize_with_checks`:
    the decorated test takes ``estimator`` and ``check`` and calls ``check(estimator)``; test
    ids read ``EstimatorName-check_name``, so ``pytest -k check_nan_refused`` selects one check.

    Parameters
    ----------
    estimators : list of estimator instances
        Collection-level estimators (see :func:`sample_level`).
    expected_failed_checks : callable, default=None
        Takes an estimator, returns ``{check_name: reason}``; those checks are marked
        ``xfail(reason=reason)``. A name that matches no check, or an empty reason, is an error.
    xfail_strict : bool or None, default=None
        Whether an expected failure that passes fails the run (``None``: pytest's setting).

    Returns
    -------
    decorator : pytest.mark.parametrize

    Examples
    --------
    >>> from sktopo.filters import DensityFiltration
    >>> from sktopo.utils.estimator_checks import parametrize_with_collection_checks
    >>> @parametrize_with_collection_checks([DensityFiltration(k=3, p=0.75)])
    ... def test_contract(estimator, check):
    ...     check(estimator)
    """
    import pytest

    if any(isinstance(est, type) for est in estimators):
        raise TypeError("Pass estimator instances, not classes (see construct_instance).")
    cases = []
    for estimator in estimators:
        expected = expected_failed_checks(estimator) if expected_failed_checks else None
        cases.extend(collection_checks_generator(
            estimator, expected_failed_checks=expected, mark="xfail", xfail_strict=xfail_strict
        ))
    return pytest.mark.parametrize("estimator, check", cases, ids=_check_id)


def check_collection_estimator(estimator, *, expected_failed_checks=None):
    """Run every collection-level check on ``estimator``, raising at the first failure.

    Parameters
    ----------
    estimator : estimator instance
        A collection-level estimator.
    expected_failed_checks : dict of str to str, default=None
        ``{check_name: reason}`` of checks to skip.

    Returns
    -------
    passed : list of str
        Names of the checks that ran and passed.

    Examples
    --------
    >>> from sktopo.filters import DensityFiltration
    >>> from sktopo.utils.estimator_checks import check_collection_estimator
    >>> "check_nan_refused" in check_collection_estimator(DensityFiltration(k=3, p=0.75))
    True
    """
    expected = dict(expected_failed_checks or {})
    passed = []
    for est, check in collection_checks_generator(estimator, expected_failed_checks=expected):
        if check.func.__name__ in expected:
            continue
        check(est)
        passed.append(check.func.__name__)
    return passed
