"""scikit-learn's 8x8 digits brought to MNIST's 28x28 format: a second digit domain, no files."""

import numpy as np

from .._compat import validate_params
from .._validation import COUNT
from ._base import _bunch, _result, resize_images, to_uint8

_DESCR = """scikit-learn's optical-recognition digits (UCI), rescaled to look like MNIST.

1,797 images, 8x8 with 17 grey levels, turned into uint8 images of shape (n, 28, 28): values
scaled 16 -> 255, each image resized to 20x20 (linear interpolation), then placed in a 28x28
field so that its centre of mass falls on the field's centre, as in MNIST's own preprocessing.
Ink = 255 on a 0 background; target : int64 digits 0-9.
"""


def _centre_in_field(img, field):
    """Paste ``img`` into a ``field x field`` zero image, centre of mass at the centre."""
    h, w = img.shape
    out = np.zeros((field, field), dtype=img.dtype)
    mass = img.sum()
    if mass > 0:
        rows, cols = np.indices(img.shape)
        r = (rows * img).sum() / mass
        c = (cols * img).sum() / mass
    else:
        r, c = (h - 1) / 2, (w - 1) / 2
    # MNIST's centres of mass sit at (14, 14) in pixel-index coordinates.
    centre = field / 2
    # Integer shift (as MNIST), clipped so the whole box stays inside the field.
    top = int(np.clip(np.rint(centre - r), 0, field - h))
    left = int(np.clip(np.rint(centre - c), 0, field - w))
    out[top : top + h, left : left + w] = img
    return out


@validate_params({"box": COUNT, "size": COUNT, "return_X_y": ["boolean"]},
                 prefer_skip_nested_validation=True)
def load_digits_28(*, box=20, size=28, return_X_y=False):
    """Load scikit-learn's 8x8 digits rescaled to MNIST's 28x28 look (no files needed).

    MNIST's digits were size-normalised to fit a 20x20 box and centred by centre of mass in a
    28x28 field. Here each 8x8 image (values 0-16) is scaled to 0-255, resized to
    ``box x box`` with linear interpolation, and pasted into a ``size x size`` zero field so
    that its centre of mass is as close as an integer shift allows to the field's centre. This
    gives a real, second digit domain for transfer experiments without any download.

    Parameters
    ----------
    box : int, default=20
        Side of the resized digit (MNIST uses 20).
    size : int, default=28
        Side of the output field; must be at least ``box``.
    return_X_y : bool, default=False
        Return ``(images, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``images`` uint8 of shape (1797, size, size), ``data`` (1797, size*size) view,
        ``target`` int64, ``target_names``, ``DESCR``.
    (images, target) : tuple
        If ``return_X_y`` is True.

    See Also
    --------
    load_mnist_subset : MNIST digits that need no files.

    Examples
    --------
    >>> from sktopo.datasets import load_digits_28
    >>> images, target = load_digits_28(return_X_y=True)
    >>> images.shape, images.dtype, int(images.max())
    ((1797, 28, 28), dtype('uint8'), 255)
    """
    from sklearn.datasets import load_digits

    for name, value in (("box", box), ("size", size)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive int; got {value!r}.")
    if box > size:
        raise ValueError(f"box ({box}) must not exceed size ({size}).")
    digits = load_digits()
    scaled = digits.images * (255.0 / 16.0)
    resized = to_uint8(resize_images(scaled, box))
    images = np.stack([_centre_in_field(img, size) for img in resized])
    names = [str(i) for i in range(10)]
    return _result(_bunch(images, digits.target, names, _DESCR), return_X_y)
