"""Loop counts and sizes of Mapper graphs, as numbers and as a feature transformer."""

import networkx as nx
import numpy as np
from scipy.sparse import coo_matrix


from .._compat import Integral, validate_params
from .._validation import Number
from ..base import CollectionTransformer


@validate_params({"graph": [nx.Graph]}, prefer_skip_nested_validation=True)
def graph_cycle_rank(graph):
    r"""Independent cycles of the Mapper *graph*: :math:`E - V + C`.

    This is the first Betti number of the graph as a 1-dimensional complex. Triangles count: with
    two lenses and a gain above 2, overlapping cover cells make many small triangles, so a
    clean circle can have a cycle rank in the thousands. For "how many holes does the shape
    have", read :func:`nerve_betti1`.

    Parameters
    ----------
    graph : networkx.Graph
        A Mapper graph, or any undirected graph.

    Returns
    -------
    rank : int
        Edges minus nodes plus connected components.

    Examples
    --------
    >>> import networkx as nx
    >>> from sktopo.mapper import graph_cycle_rank
    >>> graph_cycle_rank(nx.complete_graph(3))
    1
    """
    return (
        graph.number_of_edges()
        - graph.number_of_nodes()
        + nx.number_connected_components(graph)
    )


@validate_params({"graph": [nx.Graph]}, prefer_skip_nested_validation=True)
def nerve_betti1(graph):
    r"""First Betti number over :math:`\mathbb{Z}/2` of the flag (clique) complex of the graph.

    Every clique of the Mapper graph is filled in (triangles, tetrahedra, ...), so the small
    triangles of overlapping cover cells no longer count and a circle gives 1. For Mapper graphs
    this is the practical stand-in for the nerve of the cover by clusters (the nerve may hold a
    triangle only when three clusters share a point; the flag complex fills every 3-clique).
    Computed with ripser on a sparse distance matrix holding only the graph's edges, all at
    length 1: the H1 classes that never die.

    Parameters
    ----------
    graph : networkx.Graph
        A Mapper graph, or any undirected graph.

    Returns
    -------
    betti1 : int
        Independent loops of the flag complex (0 for a forest).

    Examples
    --------
    >>> import networkx as nx
    >>> from sktopo.mapper import nerve_betti1
    >>> nerve_betti1(nx.complete_graph(3)), nerve_betti1(nx.cycle_graph(4))
    (0, 1)
    """
    if graph_cycle_rank(graph) == 0:  # a forest has no cycles at all
        return 0
    from ripser import ripser

    nodes = list(graph.nodes())
    index = {v: i for i, v in enumerate(nodes)}
    e = np.array([(index[u], index[v]) for u, v in graph.edges() if u != v], dtype=np.int64)
    n = len(nodes)
    rows = np.r_[e[:, 0], e[:, 1]]
    cols = np.r_[e[:, 1], e[:, 0]]
    dist = coo_matrix((np.ones(rows.size), (rows, cols)), shape=(n, n)).tocsr()
    h1 = ripser(dist, distance_matrix=True, maxdim=1)["dgms"][1]
    return int(np.isinf(h1[:, 1]).sum())


FEATURE_NAMES = (
    "n_nodes",
    "n_edges",
    "n_components",
    "graph_cycle_rank",
    "nerve_betti1",
    "mean_node_size",
    "max_node_size",
    "largest_component_fraction",
)


#: Shared by :func:`mapper_graph_features` and :class:`MapperGraphFeatures`.
GRAPH_FEATURE_CONSTRAINTS = {"min_node_size": [Number(Integral, 1, None, closed="left")]}


@validate_params({"graph": [nx.Graph], **GRAPH_FEATURE_CONSTRAINTS},
                 prefer_skip_nested_validation=True)
def mapper_graph_features(graph, *, min_node_size=1):
    """Counts and size summaries of one Mapper graph.

    Parameters
    ----------
    graph : networkx.Graph
        A Mapper graph (nodes with a ``size`` and ``members`` attribute; plain graphs count
        every node as size 1 holding itself).
    min_node_size : int, default=1
        Nodes with fewer points are dropped first (a size-weighted view: small, noisy nodes
        stop making components and loops).

    Returns
    -------
    features : dict
        ``n_nodes``, ``n_edges``, ``n_components``, ``graph_cycle_rank`` (E - V + C of the graph),
        ``nerve_betti1`` (loops of the flag complex), ``mean_node_size``, ``max_node_size`` and
        ``largest_component_fraction`` (share of the graph's distinct points that lie in its
        largest component).

    Examples
    --------
    >>> import networkx as nx
    >>> from sktopo.mapper import mapper_graph_features
    >>> f = mapper_graph_features(nx.cycle_graph(5))
    >>> f["graph_cycle_rank"], f["nerve_betti1"], f["n_components"]
    (1, 1, 1)
    """
    sizes = {v: d.get("size", 1) for v, d in graph.nodes(data=True)}
    keep = [v for v, s in sizes.items() if s >= min_node_size]
    g = graph.subgraph(keep) if len(keep) < graph.number_of_nodes() else graph
    comps = list(nx.connected_components(g))
    if keep:
        def points(nodes):
            sets = [np.atleast_1d(g.nodes[v].get("members", np.array([v]))) for v in nodes]
            return np.unique(np.concatenate(sets)).size

        total = points(g.nodes())
        largest = max(points(c) for c in comps)
        size_values = np.array([sizes[v] for v in keep], dtype=np.float64)
    return {
        "n_nodes": g.number_of_nodes(),
        "n_edges": g.number_of_edges(),
        "n_components": len(comps),
        "graph_cycle_rank": graph_cycle_rank(g),
        "nerve_betti1": nerve_betti1(g),
        "mean_node_size": float(size_values.mean()) if keep else 0.0,
        "max_node_size": float(size_values.max()) if keep else 0.0,
        "largest_component_fraction": largest / total if keep else 0.0,
    }


class MapperGraphFeatures(CollectionTransformer, auto_wrap_output_keys=("transform",)):
    """One feature vector per Mapper graph: nodes, edges, components, the two loop counts, sizes.

    Collection level: ``X`` is a list of graphs (the output of :class:`Mapper`), one per cloud,
    and ``transform`` returns an array of shape ``(len(X), 8)`` with the columns of
    :func:`mapper_graph_features`. The two loop counts are ``graph_cycle_rank`` (E - V + C of
    the graph, inflated by cover triangles) and ``nerve_betti1`` (loops of the flag complex:
    the one that says "a circle"). Stateless.

    Parameters
    ----------
    min_node_size : int, default=1
        Drop nodes with fewer points before counting.

    Attributes
    ----------
    n_features_in_ : int
        Always 1 (one graph per sample).

    Examples
    --------
    >>> import networkx as nx
    >>> from sktopo.mapper import MapperGraphFeatures
    >>> F = MapperGraphFeatures().fit_transform([nx.cycle_graph(4), nx.complete_graph(4)])
    >>> F[:, 3:5].tolist()
    [[1.0, 1.0], [3.0, 0.0]]
    """

    _requires_fit = False
    _parameter_constraints = GRAPH_FEATURE_CONSTRAINTS

    def __init__(self, min_node_size=1):
        self.min_node_size = min_node_size

    def _validate_collection(self, X):
        if isinstance(X, nx.Graph):
            raise TypeError("X is a single graph; MapperGraphFeatures takes a list of graphs: [X].")
        if not isinstance(X, (list, tuple)) or not all(isinstance(g, nx.Graph) for g in X):
            raise TypeError(
                "X must be a list of networkx graphs (the output of Mapper.transform); "
                f"got {type(X).__name__}."
            )
        if len(X) == 0:
            raise ValueError("X is an empty list of graphs; pass at least one graph.")
        return list(X)

    def _transform_one(self, graph, random_state):
        row = mapper_graph_features(graph, min_node_size=self.min_node_size)
        return [row[k] for k in FEATURE_NAMES]

    def _remember(self, samples, results):
        self.n_features_in_ = 1

    def _combine(self, results):
        return np.array(results, dtype=np.float64).reshape(len(results), len(FEATURE_NAMES))

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored.

        Returns
        -------
        feature_names_out : ndarray of str
            The keys of :func:`mapper_graph_features`, ``n_nodes`` to
            ``largest_component_fraction``.
        """
        return np.asarray(FEATURE_NAMES, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = False
        return tags
