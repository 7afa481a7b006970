"""Topology during training: a callback that records the shape of a layer's filters."""

import time

import numpy as np
from skorch.callbacks import Callback

from ..significance import READOUT_COLUMNS
from ._training import training_iteration

#: Readout columns written into the net's history at every record.
_RECORDED = ("pvalue_h1", "n_significant_h1", "rips_lifetime_h1")


class TopologyMonitor(Callback):
    """Record the topology of a conv layer's filters every ``every`` batch iterations.

    At iterations ``every, 2 * every, ...`` the layer's spatial filters go through the topology
    Pipeline (:func:`sktopo.pipeline.make_topology_pipeline`: normalise and drop dead filters,
    :math:`\\rho(k, p)`, barcode) and the lifetime of the longest H1 bar is written into the
    history, in that batch (``"max_h1_lifetime"``) and, at the end of each epoch, the latest
    value at the epoch level, where skorch's ``EarlyStopping(monitor="max_h1_lifetime",
    lower_is_better=False)`` reads it. With ``model`` set, the mean distance of the normalised
    filters to that idealised model (:func:`sktopo.filters.distance_to_model`) is recorded too
    (``"distance_to_<model>"``). With ``significance=True`` (the default) the significance
    readout is recorded beside it (:mod:`sktopo.significance`): ``"pvalue_h1"``,
    ``"n_significant_h1"`` and ``"rips_lifetime_h1"`` (exact Rips at a fixed subsample size,
    comparable across layers of different widths, unlike the witness lifetime).

    Cost: one witness barcode of the layer per record, about 10-50 ms for a first layer of 64 to
    2,000 filters on a laptop CPU (``monitor_seconds_`` holds the time spent), so every 50
    iterations costs a few per cent of training a small net.

    Parameters
    ----------
    layer : int or str, default=1
        Conv layer: 1-based index or module name.
    every : int, default=50
        Record every this many batch iterations (the net's one iteration counter).
    k, p : int or float, float, default=0.1, 1.0
        Density filtration :math:`\\rho(k, p)`. By default every live filter is kept: a first
        layer of a few dozen filters filtered further breaks its circle into arcs. For layers
        of thousands of filters, keep the densest part (e.g. ``p=0.3``); ``k`` is a fraction of
        the live filters, so it fits any width.
    n_landmarks : int or float, default=0.5
        Landmarks of the witness barcode, a fraction of the filtered cloud by default.
    backend : {"witness", "landmark_rips", "exact"}, default="witness"
        Persistence backend.
    model : {"primary_circle", "klein_bottle"} or None, default="primary_circle"
        Idealised model whose distance is recorded; None records none.
    significance : bool, default=True
        Record the significance readout too (a few exact Rips barcodes of at most 300 points:
        tens of milliseconds for a first layer).

    Attributes
    ----------
    iterations_ : list of int
        Iterations at which values were recorded.
    max_h1_lifetime_ : list of float
        The recorded lifetimes.
    distance_ : list of float
        The recorded distances to ``model`` (empty when ``model`` is None).
    readouts_ : list of dict
        The recorded significance readouts (``pvalue_h1``, ``n_significant_h1``,
        ``rips_lifetime_h1``, ...; empty when ``significance`` is False).
    monitor_seconds_ : float
        Time spent computing the records.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.nn import TopologyMonitor, make_net
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.random((64, 1, 12, 12), dtype=np.float32), np.arange(64) % 10
    >>> monitor = TopologyMonitor(every=2)
    >>> net = make_net("M", (32, 0, 8), max_iter=4, batch_size=16, random_state=0,
    ...                callbacks=[("topology", monitor)]).fit(X, y)
    >>> monitor.iterations_
    [2, 4]
    """

    def __init__(self, layer=1, every=50, k=0.1, p=1.0, n_landmarks=0.5, backend="witness",
                 model="primary_circle", significance=True):
        self.layer = layer
        self.every = every
        self.k = k
        self.p = p
        self.n_landmarks = n_landmarks
        self.backend = backend
        self.model = model
        self.significance = significance

    def initialize(self):
        from ..pipeline import make_topology_pipeline

        if isinstance(self.every, bool) or not isinstance(self.every, int) or self.every < 1:
            raise ValueError(
                f"every must be a positive int (batch iterations); got {self.every!r}.")
        if self.model not in (None, "primary_circle", "klein_bottle"):
            raise ValueError(
                f"model must be 'primary_circle', 'klein_bottle' or None; got {self.model!r}.")
        # Built here so a bad k, p or backend fails before training, with the pipeline's message.
        self.pipeline_ = make_topology_pipeline(
            k=self.k, p=self.p, n_landmarks=self.n_landmarks, backend=self.backend,
            features=["max_lifetime"], homology_dimensions=[1], random_state=0,
            significance=bool(self.significance),
        ).set_output(transform="pandas")
        self.iterations_, self.max_h1_lifetime_, self.distance_ = [], [], []
        self.readouts_ = []
        self.monitor_seconds_ = 0.0
        return self

    def _key(self):
        return f"distance_to_{self.model}"

    def on_batch_end(self, net, training=False, **kwargs):
        if not training:
            return
        iteration = training_iteration(net)
        if iteration % self.every:
            return
        start = time.perf_counter()
        lifetime, readout, distance = self._measure(net)
        self.monitor_seconds_ += time.perf_counter() - start
        self.iterations_.append(iteration)
        self.max_h1_lifetime_.append(lifetime)
        net.history.record_batch("max_h1_lifetime", lifetime)
        if readout:
            self.readouts_.append(readout)
            for key in _RECORDED:
                net.history.record_batch(key, readout[key])
        if distance is not None:
            self.distance_.append(distance)
            net.history.record_batch(self._key(), distance)

    def on_epoch_end(self, net, **kwargs):
        if self.max_h1_lifetime_:
            net.history.record("max_h1_lifetime", self.max_h1_lifetime_[-1])
            for key in _RECORDED if self.readouts_ else ():
                net.history.record(key, self.readouts_[-1][key])
            if self.distance_:
                net.history.record(self._key(), self.distance_[-1])

    def _measure(self, net):
        from ..filters import extract_spatial_filters

        filters = extract_spatial_filters(net.module_, self.layer, kernel_size=None)
        row = self.pipeline_.fit_transform([filters]).iloc[0]
        lifetime = float(row["max_lifetime_h1"])
        readout = ({name: float(row[name]) for name in READOUT_COLUMNS}
                   if self.significance else {})
        if self.model is None:
            return lifetime, readout, None
        from ..filters import distance_to_model

        distance = float(np.mean(distance_to_model(filters, model=self.model)))
        return lifetime, readout, distance
