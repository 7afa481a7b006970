"""All-or-nothing file writes: a temporary file beside the target, then one rename.

Caches and checkpoints (trained nets, snapshots, the CIFAR-10 array cache) are read back by
later runs; an interrupted write must never leave half a file under the final name.
"""

import json
import os
import tempfile
from pathlib import Path

import numpy as np


#: Suffix of every temporary file; a run killed mid-write leaves ``.<name>.<random>.tmp`` behind.
TEMP_SUFFIX = ".tmp"


def normal_mode(is_dir=False):
    """Permissions a plain ``open``/``mkdir`` would give under the user's umask.

    ``tempfile`` makes private files (0600) and folders (0700); results renamed from them must
    not stay private when every other file the user writes is not.
    """
    umask = os.umask(0)
    os.umask(umask)
    return (0o777 if is_dir else 0o666) & ~umask


def remove_stale_temporaries(folder):
    """Delete the temporary files a killed run left in ``folder``; return how many.

    Only hidden files with our temporary suffix are touched, so nothing of the user's goes.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    stale = [p for p in folder.glob(f".*{TEMP_SUFFIX}") if p.is_file()]
    for p in stale:
        p.unlink(missing_ok=True)
    return len(stale)


def atomic_write(path, write, *, binary=True):
    """Call ``write(file_object)`` on a temporary file, then rename it to ``path``.

    The parent folder is created. On any error the temporary file is removed and the error
    re-raised, so ``path`` holds either its old content or the complete new one. The file gets
    the permissions of a normal write (see :func:`normal_mode`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "sub" / "note.txt"
    >>> atomic_write(target, lambda f: f.write("done"), binary=False)
    >>> target.read_text()
    'done'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb" if binary else "w") as f:
            write(f)
        os.chmod(tmp, normal_mode())
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
