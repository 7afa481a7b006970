"""Progress bars that stay quiet when asked to."""

from tqdm.auto import tqdm


def progress(iterable, *, verbose=0, desc=None, total=None, leave=False):
    """Wrap ``iterable`` in a tqdm bar when ``verbose > 0``, else return it unchanged."""
    if not verbose:
        return iterable
    return tqdm(iterable, desc=desc, total=total, leave=leave)
