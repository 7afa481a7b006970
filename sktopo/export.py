"""Results in the formats other tools read: persim, numpy, networkx, GraphML, kepler-mapper.

* **Diagrams.** sktopo keeps a collection of diagrams as one padded array of shape
  ``(n_samples, n_pairs, 3)`` with rows ``[birth, death, dim]``; ripser and persim use one list of
  ``(n_q, 2)`` arrays per diagram, one array per homology dimension. :func:`to_persim` and
  :func:`from_persim` convert between the two, and :func:`save_diagrams` writes both into one
  ``.npz``. persim accepts a padded ``(n_pairs, 3)`` array without complaint and reads it wrongly
  (its ``bottleneck`` ignores the dimension column, so H0 and H1 bars get matched together, and
  the padding rows count as bars): always pass it :func:`to_persim`'s lists. :func:`from_persim`
  refuses arrays, so the mistake cannot happen in the other direction.
* **Mapper graphs.** :func:`mapper_graph_data` gives networkx's node-link form with plain
  Python values (lists, not ndarrays), :func:`save_mapper_graph` writes it as JSON or as GraphML
  (list attributes as JSON text, named in the graph attribute ``json_attributes``), and
  :func:`read_mapper_graph` reads either back with arrays restored. :func:`to_kmapper` gives the
  dictionary that kepler-mapper's ``KeplerMapper.map`` returns, so ``visualize`` draws our graph.
* **Kept filters.** :func:`kept_filters` is the table of the analysed points of one cloud with
  their provenance (network, layer, output and input channel) and their normalised weights.
"""

import io
import json
import os
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from ._compat import StrOptions, validate_params
from ._io import atomic_write
from ._validation import check_padded, check_per_dimension
from .homology import pad_diagrams, unpad_diagrams
from .pipeline import CloudView
from .report import to_jsonable

__all__ = [
    "from_persim",
    "kept_filters",
    "load_diagrams",
    "mapper_graph_data",
    "read_mapper_graph",
    "save_diagrams",
    "save_mapper_graph",
    "to_kmapper",
    "to_persim",
]

#: Node attributes of a Mapper graph that hold arrays (restored as arrays when read back).
_ARRAY_ATTRIBUTES = ("members", "mean_filter", "lens_mean")


# --------------------------------------------------------------------------- diagrams
@validate_params({"diagrams": ["array-like"]}, prefer_skip_nested_validation=True)
def to_persim(diagrams):
    """Padded diagrams to ripser/persim lists: one ``(n_q, 2)`` array per homology dimension.

    Parameters
    ----------
    diagrams : array-like of shape (n_samples, n_pairs, 3) or (n_pairs, 3)
        Padded diagrams (e.g. ``Persistence().fit_transform(X)``), or one of them.

    Returns
    -------
    dgms : list of ndarray, or list of such lists
        For one diagram, ``dgms[q]`` holds its ``(birth, death)`` pairs of dimension ``q``; for a
        collection, one such list per sample. Padding rows (zero length) are dropped; infinite
        deaths stay ``np.inf``.

    See Also
    --------
    from_persim : The inverse.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.export import to_persim
    >>> padded = np.array([[0.0, np.inf, 0], [0.0, 0.0, 0], [0.2, 0.9, 1]])
    >>> [d.tolist() for d in to_persim(padded)]
    [[[0.0, inf]], [[0.2, 0.9]]]
    """
    arr = np.asarray(diagrams, dtype=np.float64)
    if arr.ndim == 2:
        return unpad_diagrams(check_padded(arr[None], "diagrams"))[0]
    return unpad_diagrams(check_padded(arr, "diagrams"))


def _is_per_dimension(dgms):
    """True for one ripser-style list (its items are arrays), False for a list of such lists."""
    return not all(isinstance(d, (list, tuple)) for d in dgms)


@validate_params({"dgms": [list, tuple]}, prefer_skip_nested_validation=True)
def from_persim(dgms):
    """Convert ripser/persim lists to sktopo's padded diagrams.

    Parameters
    ----------
    dgms : list of array-like of shape (n_q, 2), or list of such lists
        One diagram (ripser's ``result["dgms"]``: ``dgms[q]`` holds the ``(birth, death)`` pairs
        of dimension ``q``) or one such list per sample. An array is refused, whatever its shape:
        a padded ``(n_pairs, 3)`` array is already in sktopo's format, and reading its rows as
        pairs would mix numbers of different bars.

    Returns
    -------
    padded : ndarray of shape (n_pairs, 3) or (n_samples, n_pairs, 3)
        Rows ``[birth, death, dim]`` grouped by dimension; one diagram gives a 2-D array, a list
        of them a 3-D array.

    See Also
    --------
    to_persim : The inverse.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.export import from_persim
    >>> from_persim([np.array([[0.0, np.inf]]), np.array([[0.2, 0.9]])]).tolist()
    [[0.0, inf, 0.0], [0.2, 0.9, 1.0]]
    """
    if len(dgms) == 0:
        raise ValueError("dgms is empty; pass one (n, 2) array per homology dimension.")
    if _is_per_dimension(dgms):
        return pad_diagrams([check_per_dimension(list(dgms), "dgms")])[0]
    return pad_diagrams([check_per_dimension(list(d), f"dgms[{i}]") for i, d in enumerate(dgms)])


def _as_padded_collection(diagrams):
    if isinstance(diagrams, (list, tuple)):
        padded = from_persim(diagrams)
    else:
        padded = check_padded(np.asarray(diagrams, dtype=np.float64)[None]
                              if np.ndim(diagrams) == 2 else diagrams, "diagrams")
    return padded[None] if padded.ndim == 2 else padded


def _diagram_arrays(padded, names):
    arrays = {"diagrams": padded, "names": np.asarray(names, dtype=str)}
    for i, per_dim in enumerate(unpad_diagrams(padded)):
        for q, pairs in enumerate(per_dim):
            arrays[f"dgm_{i}_h{q}"] = pairs
    return arrays


@validate_params({"file": [str, os.PathLike, io.IOBase], "diagrams": ["array-like", list],
                  "names": ["array-like", None]}, prefer_skip_nested_validation=True)
def save_diagrams(file, diagrams, *, names=None):
    """Write diagrams to an ``.npz``: the padded array and persim-ready pairs per dimension.

    Parameters
    ----------
    file : str, path-like or binary file object
        Target; a path is written all or nothing (a temporary file, then a rename).
    diagrams : array-like of shape (n_samples, n_pairs, 3) or (n_pairs, 3), or persim lists
        Padded diagrams, or what :func:`to_persim` returns.
    names : sequence of str or None, default=None
        One name per diagram (e.g. the layer names); ``None`` numbers them.

    Notes
    -----
    The archive holds ``diagrams`` (the padded array), ``names`` and, for diagram ``i`` and
    dimension ``q``, ``dgm_{i}_h{q}`` of shape ``(n, 2)``: ``np.load(path)["dgm_0_h1"]`` goes
    straight to persim. Nothing needs pickle to read it.

    Examples
    --------
    >>> import io
    >>> import numpy as np
    >>> from sktopo.export import load_diagrams, save_diagrams
    >>> buffer = io.BytesIO()
    >>> save_diagrams(buffer, np.array([[0.0, np.inf, 0], [0.2, 0.9, 1]]), names=["conv1"])
    >>> padded, names = load_diagrams(io.BytesIO(buffer.getvalue()))
    >>> padded.shape, names
    ((1, 2, 3), ['conv1'])
    """
    padded = _as_padded_collection(diagrams)
    names = [str(i) for i in range(len(padded))] if names is None else [str(n) for n in names]
    if len(names) != len(padded):
        raise ValueError(f"names has {len(names)} entries for {len(padded)} diagrams.")
    arrays = _diagram_arrays(padded, names)
    if isinstance(file, io.IOBase):
        np.savez(file, **arrays)
    else:
        atomic_write(file, lambda f: np.savez(f, **arrays))


@validate_params({"file": [str, os.PathLike, io.IOBase]}, prefer_skip_nested_validation=True)
def load_diagrams(file):
    """Read what :func:`save_diagrams` wrote: ``(padded, names)``.

    Parameters
    ----------
    file : str, path-like or binary file object
        The ``.npz`` archive.

    Returns
    -------
    padded : ndarray of shape (n_diagrams, n_pairs, 3)
        The padded diagrams.
    names : list of str
        One name per diagram.
    """
    with np.load(file, allow_pickle=False) as data:
        if "diagrams" not in data.files:
            raise ValueError(f"file holds no 'diagrams' array (it has {data.files}); write it "
                             "with save_diagrams.")
        return check_padded(data["diagrams"], "diagrams"), data["names"].tolist()


# --------------------------------------------------------------------------- Mapper graphs
@validate_params({"graph": [nx.Graph]}, prefer_skip_nested_validation=True)
def mapper_graph_data(graph):
    """The node-link form (networkx's) of a Mapper graph, with plain Python values only.

    ``networkx.node_link_graph(data, edges="edges")`` rebuilds the graph (attributes as lists;
    :func:`read_mapper_graph` restores arrays), and ``json.dumps(data)`` needs no custom encoder.

    Parameters
    ----------
    graph : networkx.Graph
        A Mapper graph.

    Returns
    -------
    data : dict
        ``directed``, ``multigraph``, ``graph``, ``nodes`` and ``edges``, networkx's node-link
        form.

    Examples
    --------
    >>> import json
    >>> import networkx as nx
    >>> from sktopo.datasets import make_filter_cloud
    >>> from sktopo.export import mapper_graph_data
    >>> from sktopo.mapper import mapper_graph
    >>> g = mapper_graph(make_filter_cloud("primary_circle", 300, random_state=0), 6, 2)
    >>> back = nx.node_link_graph(json.loads(json.dumps(mapper_graph_data(g))), edges="edges")
    >>> sorted(back.edges()) == sorted(g.edges())
    True
    """
    return {
        "directed": False,
        "multigraph": False,
        "graph": to_jsonable(dict(graph.graph)),
        "nodes": [{"id": to_jsonable(v), **to_jsonable(d)} for v, d in graph.nodes(data=True)],
        "edges": [{"source": to_jsonable(u), "target": to_jsonable(v), **to_jsonable(d)}
                  for u, v, d in graph.edges(data=True)],
    }


def _graphml_ready(graph):
    """A copy whose attributes are GraphML scalars: every list or array becomes JSON text."""
    encoded = set()

    def scalar(key, value):
        value = to_jsonable(value)
        if isinstance(value, (list, dict)):
            encoded.add(key)
            return json.dumps(value)
        return value

    out = nx.Graph()
    for v, d in graph.nodes(data=True):
        out.add_node(to_jsonable(v), **{k: scalar(k, x) for k, x in d.items()})
    for u, v, d in graph.edges(data=True):
        out.add_edge(to_jsonable(u), to_jsonable(v), **{k: scalar(k, x) for k, x in d.items()})
    out.graph.update({k: scalar(k, x) for k, x in graph.graph.items()})
    out.graph["json_attributes"] = ",".join(sorted(encoded))
    return out


@validate_params({"path": [str, os.PathLike], "graph": [nx.Graph],
                  "format": [StrOptions({"json", "graphml"}), None]},
                 prefer_skip_nested_validation=True)
def save_mapper_graph(path, graph, *, format=None):
    """Write a Mapper graph as node-link JSON or GraphML, all or nothing.

    Parameters
    ----------
    path : str or path-like
        Target file.
    graph : networkx.Graph
        A Mapper graph.
    format : {"json", "graphml"} or None, default=None
        ``None`` takes it from the suffix (``.json``, ``.graphml``).

    Notes
    -----
    GraphML holds scalars only, so list attributes (``members``, ``mean_filter``, ``lens_mean``,
    ``cell``, the cover ``intervals``) are written as JSON text and listed in the graph attribute
    ``json_attributes``; ``networkx.read_graphml`` reads the file, :func:`read_mapper_graph`
    also decodes those attributes.
    """
    fmt = format or Path(path).suffix.lower().lstrip(".")
    if fmt == "json":
        text = json.dumps(mapper_graph_data(graph))
        atomic_write(path, lambda f: f.write(text), binary=False)
    elif fmt == "graphml":
        ready = _graphml_ready(graph)
        atomic_write(path, lambda f: nx.write_graphml(ready, f))
    else:
        raise ValueError(f"path={str(path)!r}: cannot tell the format from the suffix; use "
                         ".json or .graphml, or pass format='json' or 'graphml'.")


def _restore_arrays(graph, decode=()):
    for _, d in graph.nodes(data=True):
        for key in decode:
            if isinstance(d.get(key), str):
                d[key] = json.loads(d[key])
        for key in _ARRAY_ATTRIBUTES:
            if key in d:
                d[key] = np.asarray(d[key], dtype=np.int64 if key == "members" else np.float64)
        if "cell" in d:
            d["cell"] = tuple(d["cell"])
    for key in decode:
        if isinstance(graph.graph.get(key), str):
            graph.graph[key] = json.loads(graph.graph[key])
    return graph


@validate_params({"path": [str, os.PathLike]}, prefer_skip_nested_validation=True)
def read_mapper_graph(path):
    """Read a graph written by :func:`save_mapper_graph`, with its array attributes restored.

    Parameters
    ----------
    path : str or path-like
        A ``.json`` (node-link) or ``.graphml`` file.

    Returns
    -------
    graph : networkx.Graph
        The graph.
    """
    path = Path(path)
    if path.suffix.lower() == ".graphml":
        graph = nx.read_graphml(path, node_type=int)
        decode = [k for k in graph.graph.pop("json_attributes", "").split(",") if k]
        return _restore_arrays(graph, decode)
    data = json.loads(path.read_text())
    graph = nx.Graph()
    graph.graph.update(data.get("graph", {}))
    graph.add_nodes_from((d.pop("id"), d) for d in data["nodes"])
    graph.add_edges_from((d.pop("source"), d.pop("target"), d) for d in data["edges"])
    return _restore_arrays(graph)


@validate_params({"graph": [nx.Graph], "meta": [dict, None]}, prefer_skip_nested_validation=True)
def to_kmapper(graph, *, meta=None):
    """The dictionary kepler-mapper's ``KeplerMapper.map`` returns, built from our Mapper graph.

    ``kmapper.KeplerMapper().visualize(to_kmapper(graph), path_html="mapper.html")`` then draws
    it with kepler-mapper's own page (which loads d3 from a CDN; :func:`sktopo.mapper.mapper_html`
    works offline).

    Parameters
    ----------
    graph : networkx.Graph
        A Mapper graph whose nodes have a ``members`` attribute (point indices).
    meta : dict or None, default=None
        Extra entries of ``meta_data`` (shown in kepler-mapper's summary pane).

    Returns
    -------
    kmapper_graph : dict
        ``nodes`` (id -> member indices), ``links`` (id -> ids of the neighbours with a larger
        index), ``simplices`` (vertices and edges), ``meta_data`` and ``meta_nodes``. Node ids
        are ``"node<i>"``.

    Examples
    --------
    >>> from sktopo.datasets import make_filter_cloud
    >>> from sktopo.export import to_kmapper
    >>> from sktopo.mapper import mapper_graph
    >>> g = mapper_graph(make_filter_cloud("primary_circle", 300, random_state=0), 6, 2)
    >>> km = to_kmapper(g)
    >>> len(km["nodes"]) == g.number_of_nodes(), sorted(km)
    (True, ['links', 'meta_data', 'meta_nodes', 'nodes', 'simplices'])
    """
    missing = [v for v, d in graph.nodes(data=True) if "members" not in d]
    if missing:
        raise ValueError(f"graph node {missing[0]!r} has no 'members' attribute; to_kmapper "
                         "needs the point indices of every node (a Mapper graph has them).")
    ids = {v: f"node{i}" for i, v in enumerate(graph.nodes())}
    order = {v: i for i, v in enumerate(graph.nodes())}
    nodes = {ids[v]: [int(m) for m in np.atleast_1d(d["members"])]
             for v, d in graph.nodes(data=True)}
    links = {}
    for u, v in graph.edges():
        a, b = sorted((u, v), key=order.get)
        links.setdefault(ids[a], []).append(ids[b])
    settings = graph.graph
    meta_data = {"projection": "PCA 1 and 2 (sktopo Mapper)",
                 "clusterer": "single linkage, first-gap cut, variance-normalised Euclidean"}
    if "resolution" in settings:
        meta_data.update(n_cubes=int(settings["resolution"]),
                         perc_overlap=float(1 - 1 / settings["gain"]))
    meta_data.update(meta or {})
    simplices = [[ids[v]] for v in graph.nodes()] + [[ids[u], ids[v]] for u, v in graph.edges()]
    return {"nodes": nodes, "links": links, "simplices": simplices, "meta_data": meta_data,
            "meta_nodes": {}}


# --------------------------------------------------------------------------- kept filters
@validate_params({"view": [CloudView], "provenance": [pd.DataFrame, None]},
                 prefer_skip_nested_validation=True)
def kept_filters(view, provenance=None):
    """The analysed points of one cloud with their provenance and normalised weights.

    Parameters
    ----------
    view : CloudView
        One cloud of a fitted topology Pipeline (:func:`~sktopo.pipeline.fit_topology`).
    provenance : DataFrame or None, default=None
        One row per raw filter (``extract_spatial_filters(..., return_provenance=True)``).

    Returns
    -------
    table : DataFrame
        One row per analysed point, in the order of ``view.cloud``: ``row`` (index into the raw
        cloud), the provenance columns, then ``w0, w1, ...`` (the mean-centred, unit-norm weights,
        row-major within the kernel).
    """
    kept = np.asarray(view.kept)
    if provenance is not None and len(provenance) != view.n_input:
        raise ValueError(f"provenance has {len(provenance)} rows for a cloud of "
                         f"{view.n_input} filters; pass the provenance of the same extraction.")
    table = pd.DataFrame({"row": kept})
    if provenance is not None:
        table = pd.concat([table, provenance.iloc[kept].reset_index(drop=True)], axis=1)
    cloud = view.cloud
    weights = pd.DataFrame(cloud, columns=[f"w{i}" for i in range(cloud.shape[1])])
    return pd.concat([table, weights], axis=1)
