"""All-or-nothing file writes: a temporary file beside the target, then one rename.

Caches and checkpoints (trained nets, snapshots, the CIFAR-10 array cache) are read back by
later runs; an interrupted write must never leave half a file under the final name.
"""

import json
import os
import tempfile
from pathlib import Path

import numpy as np


def atomic_write(path, write, *, binary=True):
    """Call ``write(file_object)`` on a temporary file, then rename it to ``path``.

    The parent folder is created. On any error the temporary file is removed and the error
    re-raised, so ``path`` holds either its old content or the complete new one.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sktopo._io import atomic_write
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "sub" / "note.txt"
    >>> atomic_write(target, lambda f: f.write("done"), binary=False)
    >>> target.read_text()
    'done'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb" if binary else "w") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_savez(path, arrays):
    """Write ``arrays`` (a dict of name to array) to ``path`` as an npz, all or nothing."""
    atomic_write(path, lambda f: np.savez(f, **arrays))


def atomic_write_json(path, obj):
    """Write ``obj`` as JSON to ``path``, all or nothing."""
    atomic_write(path, lambda f: json.dump(obj, f, indent=1, sort_keys=True), binary=False)
