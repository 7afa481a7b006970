"""Images to topology: train a net, take one layer's spatial filters, fit a topology pipeline."""

from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone

from .._compat import Integral, Interval, check_is_fitted
from ._images import _input_shape, check_images
from ._training import make_net


class WeightTopology(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Train a network on images, then describe the shape of one layer's spatial filters.

    A meta-estimator, because it changes what a sample is (images in, one filter cloud out):
    ``fit`` takes
    images and labels, clones and trains ``net``, extracts the spatial filters of conv layer
    ``layer`` as one cloud (``filters_``) and fits ``topology``, any collection-level estimator or
    Pipeline, on the one-cloud collection ``[filters_]``. Parameters nest, so GridSearchCV tunes
    training and topology together (``net__lr``, ``net__module__X``,
    ``topology__density__k``); ``score`` is the trained net's accuracy, ``predict`` its labels.

    Parameters
    ----------
    net : skorch.NeuralNetClassifier or None, default=None
        The network to train (cloned in ``fit``); ``None`` means ``make_net("M", (64, 0, 64),
        max_iter=400)``.
    layer : int or str, default=1
        Conv layer whose filters are analysed: 1-based index or module name.
    topology : estimator or None, default=None
        Collection-level estimator, e.g. :func:`sktopo.pipeline.make_topology_pipeline`
        (``topology__density__k`` then tunes its density step). ``None`` stops at the filters.
    random_state : int or None, default=None
        When set, overrides the net's seeds (initial weights, batch order, dropout).

    Attributes
    ----------
    net_ : skorch.NeuralNetClassifier
        The trained clone of ``net``.
    filters_ : ndarray of shape (n_filters, kh * kw)
        Raw spatial filters of ``layer``.
    topology_ : estimator or None
        The fitted clone of ``topology``.
    features_ : object or None
        ``topology_.fit_transform([filters_])`` (or ``fit`` then the estimator itself when it has
        no transform): a feature vector, diagrams, or filtered clouds, one per sample (here one).
    classes_ : ndarray
        Class labels of the net.

    See Also
    --------
    make_net : A skorch classifier for the paper's networks.
    sktopo.filters.extract_spatial_filters : Spatial filters of one conv layer.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.nn import WeightTopology, make_net
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.random((64, 12, 12), dtype=np.float32), np.arange(64) % 10
    >>> wt = WeightTopology(make_net("M", (6, 0, 8), max_iter=2, batch_size=32), random_state=0)
    >>> wt.fit(X, y).filters_.shape
    (6, 9)
    """

    _parameter_constraints = {
        "net": "no_validation",
        "layer": [Interval(Integral, 1, None, closed="left"), str],
        "topology": "no_validation",
        "random_state": ["random_state"],
    }

    def __init__(self, net=None, layer=1, topology=None, random_state=None):
        self.net = net
        self.layer = layer
        self.topology = topology
        self.random_state = random_state

    def fit(self, X, y):
        """Train the net on images ``X`` with labels ``y``, extract filters, fit the topology.

        Parameters
        ----------
        X : array-like of shape (n, H, W), (n, C, H, W) or (n, H*W)
            Images.
        y : array-like of shape (n,)
            Integer labels.

        Returns
        -------
        self : WeightTopology
        """
        self._validate_params()
        from ..filters import extract_spatial_filters

        net = self.net if self.net is not None else make_net("M", (64, 0, 64), max_iter=400)
        n_classes = net.get_params().get("module__n_classes", 10)
        X, y = check_images(X, y, n_classes=n_classes)
        net = clone(net)
        params = {}
        all_params = net.get_params()
        if self.random_state is not None:
            seed = int(self.random_state) if isinstance(self.random_state, Integral) else int(
                self.random_state.randint(2**31 - 1)
            )
            if "module__random_state" in all_params or "module__X" in all_params:
                params["module__random_state"] = seed
            # Callback parameters only show in get_params once a net is initialised.
            if "seed" in dict(net.callbacks or []):
                params["callbacks__seed__random_state"] = seed
        if "module__X" in all_params and all_params.get("module__input_shape") is None:
            params["module__input_shape"] = _input_shape(X)
        self.net_ = net.set_params(**params).fit(X, y)
        self.classes_ = self.net_.classes_
        self.filters_ = extract_spatial_filters(self.net_, self.layer)
        if self.topology is None:
            self.topology_ = None
            self.features_ = None
        else:
            self.topology_ = clone(self.topology)
            if hasattr(self.topology_, "fit_transform") or hasattr(self.topology_, "transform"):
                self.features_ = self.topology_.fit_transform([self.filters_])
            else:
                self.topology_.fit([self.filters_])
                self.features_ = None
        return self

    def predict(self, X):
        """Labels the trained net predicts for images ``X``.

        Parameters
        ----------
        X : array-like of shape (n, H, W), (n, C, H, W) or (n, H*W)
            Images.

        Returns
        -------
        y_pred : ndarray of shape (n,)
            Predicted class labels.
        """
        check_is_fitted(self, "net_")
        X, _ = check_images(X)
        return self.net_.predict(X)

    def predict_proba(self, X):
        """Class probabilities of the trained net.

        Parameters
        ----------
        X : array-like of shape (n, H, W), (n, C, H, W) or (n, H*W)
            Images.

        Returns
        -------
        proba : ndarray of shape (n, n_classes)
            Probability of each class, in the order of ``classes_``.
        """
        check_is_fitted(self, "net_")
        X, _ = check_images(X)
        return self.net_.predict_proba(X)

    def __sklearn_tags__(self):
        # A sample is an image (n, H, W) or (n, C, H, W), not a row of a 2-D table; flattened
        # (n, H*W) images are accepted too, but they are not what the estimator models.
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        return tags
