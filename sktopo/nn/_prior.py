"""Topology as a prior: a differentiable pull of a layer's filters toward an idealised model."""

import numpy as np
import torch
from skorch import NeuralNetClassifier

from .._compat import StrOptions, validate_params

#: Models a layer can be pulled toward.
PRIOR_MODELS = ("primary_circle", "klein_bottle")

#: Points of the Klein bottle sampled per angle for its nearest-point search (32 x 32 = 1,024
#: filters; the nearest of them is within a few hundredths of the true nearest point).
_KLEIN_GRID = 32


def _model_points(model, size, device, dtype):
    """Unit-norm, zero-mean filters spanning (circle) or sampling (Klein bottle) the model."""
    from ..filters import edge_filter, klein_bottle

    if model == "primary_circle":
        points = edge_filter(np.array([0.0, np.pi / 2]), size=size)  # an orthonormal basis
    else:
        points = klein_bottle(_KLEIN_GRID, _KLEIN_GRID, size=size)
    return torch.as_tensor(points, device=device, dtype=dtype)


@validate_params({"weight": [torch.Tensor], "model": [StrOptions(set(PRIOR_MODELS))]},
                 prefer_skip_nested_validation=True)
def prior_penalty(weight, model="primary_circle"):
    r"""Mean squared distance of a conv layer's normalised filters to an idealised model.

    Every spatial filter :math:`w` of ``weight`` is mean-centred and scaled to unit norm,
    :math:`f = (w - \bar w) / \lVert w - \bar w \rVert`, and compared with its nearest point
    :math:`m` of the model: :math:`\lVert f - m \rVert^2 = 2 - 2 \langle f, m \rangle`.

    * ``"primary_circle"``: the circle is the unit circle of the plane spanned by the two
      normalised gradient filters :math:`u, v` (orthonormal on a symmetric grid), so the nearest
      point is the normalised projection and :math:`\lVert f - m \rVert^2 =
      2 - 2 \sqrt{\langle f, u\rangle^2 + \langle f, v\rangle^2}`, exact and smooth.
    * ``"klein_bottle"``: the nearest of 1,024 filters sampled on a regular grid of the bottle.

    Parameters
    ----------
    weight : torch.Tensor of shape (out, in, kh, kw)
        Conv weights (square kernels, odd or even side).
    model : {"primary_circle", "klein_bottle"}, default="primary_circle"
        The idealised model.

    Returns
    -------
    penalty : torch.Tensor
        A scalar in [0, 4], differentiable in ``weight``.

    Examples
    --------
    >>> import torch
    >>> from sktopo.filters import primary_circle
    >>> from sktopo.nn import prior_penalty
    >>> on_circle = torch.as_tensor(primary_circle(8)).reshape(8, 1, 3, 3)
    >>> abs(round(float(prior_penalty(on_circle)), 6))
    0.0
    """
    if weight.ndim != 4 or weight.shape[2] != weight.shape[3]:
        raise ValueError(
            f"weight must be a conv kernel (out, in, k, k); got {tuple(weight.shape)}.")
    side = weight.shape[2]
    filters = weight.reshape(-1, side * side)
    centred = filters - filters.mean(dim=1, keepdim=True)
    unit = centred / centred.norm(dim=1, keepdim=True).clamp_min(1e-12)
    points = _model_points(model, side, weight.device, weight.dtype)
    inner = unit @ points.T
    if model == "primary_circle":
        closeness = inner.pow(2).sum(dim=1).clamp_min(1e-12).sqrt()
    else:
        closeness = inner.max(dim=1).values
    return (2.0 - 2.0 * closeness).mean()


class TopologyPriorNet(NeuralNetClassifier):
    """A skorch classifier whose loss adds a pull of one conv layer toward an idealised model.

    The training loss is the cross-entropy plus ``prior_weight * prior_penalty(layer weights,
    prior)`` (see :func:`prior_penalty`), the "potential regulariser" of the paper's discussion.
    Each training batch records the penalty in ``net.history`` (``"prior_penalty"``). Built by
    :func:`make_net` when ``prior`` is given; every other setting is skorch's.

    Parameters
    ----------
    *args
        Positional arguments of :class:`skorch.NeuralNetClassifier` (``module``, ...).
    prior : {"primary_circle", "klein_bottle"}, default="primary_circle"
        The model the layer is pulled toward.
    prior_weight : float, default=0.1
        :math:`\\lambda` of the penalty; 0 trains as without the prior.
    prior_layer : int or str, default=1
        Conv layer pulled: 1-based index or module name.
    **kwargs
        Every other setting, as for :class:`skorch.NeuralNetClassifier`.
    """

    def __init__(self, *args, prior="primary_circle", prior_weight=0.1, prior_layer=1,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.prior = prior
        self.prior_weight = prior_weight
        self.prior_layer = prior_layer

    def _prior_conv(self):
        convs = [(name, m) for name, m in self.module_.named_modules()
                 if isinstance(m, torch.nn.Conv2d)]
        if isinstance(self.prior_layer, str):
            found = dict(convs).get(self.prior_layer)
        else:
            found = convs[self.prior_layer - 1][1] if 0 < self.prior_layer <= len(convs) else None
        if found is None:
            raise ValueError(f"prior_layer={self.prior_layer!r} is not a conv layer of the net; "
                             f"conv layers: {[name for name, _ in convs]}.")
        return found

    def get_loss(self, y_pred, y_true, X=None, training=False):
        loss = super().get_loss(y_pred, y_true, X=X, training=training)
        if not self.prior_weight:
            return loss
        penalty = prior_penalty(self._prior_conv().weight, self.prior)
        if training:
            self.history.record_batch("prior_penalty", float(penalty.detach()))
        return loss + self.prior_weight * penalty
