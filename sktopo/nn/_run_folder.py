"""A run folder of :func:`train_many`: finished networks, their fingerprint, nothing stale.

Layout: ``run.json`` (the fingerprint of everything that determines the networks), then per
network ``net_<i>.npz`` (state dict), ``net_<i>.snapshots.npz`` (when snapshots are taken) and
``net_<i>.json`` (seed, accuracy, time, recorded events). The JSON file is written last, so its
presence marks a finished network; every file is written atomically.
"""

import hashlib
import json
import re
from pathlib import Path

import numpy as np

from .. import __version__
from .._io import atomic_savez, atomic_write_json, remove_stale_temporaries

FINGERPRINT_FILE = "run.json"

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def data_digest(*arrays):
    """A short hash of arrays' dtypes, shapes and bytes (``None`` entries count as absent)."""
    h = hashlib.blake2b(digest_size=12)
    for a in arrays:
        if a is None:
            h.update(b"none")
            continue
        arr = np.ascontiguousarray(np.asarray(a))
        h.update(f"{arr.dtype.str}{arr.shape}".encode())
        h.update(memoryview(arr).cast("B"))
    return h.hexdigest()


def describe(value):
    """A JSON-able, address-free description of a config value (a class by its name)."""
    if isinstance(value, dict):
        return {str(k): describe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [describe(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    if isinstance(value, np.ndarray) or type(value).__module__.startswith("torch"):
        return {"array": data_digest(value)}
    if isinstance(value, type):
        return f"{value.__module__}.{value.__qualname__}"
    if hasattr(value, "get_params"):  # skorch nets and callbacks, estimators
        return {"class": describe(type(value)), "params": describe(value.get_params(deep=False))}
    return _ADDRESS.sub("", repr(value))


def fingerprint(**parts):
    """The fingerprint of a run: its parts plus the library versions that trained it."""
    import torch

    return {**{k: describe(v) for k, v in parts.items()}, "sktopo_version": __version__,
            "torch_version": torch.__version__}


def _differences(old, new, prefix=""):
    """Keys whose values differ between two fingerprints, dotted, with both values."""
    out = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key, "<absent>"), new.get(key, "<absent>")
        if isinstance(a, dict) and isinstance(b, dict):
            out += _differences(a, b, f"{prefix}{key}.")
        elif a != b:
            out.append(f"{prefix}{key}: {a!r} -> {b!r}")
    return out


def prepare(out_dir, run_fingerprint, on_mismatch):
    """Ready ``out_dir`` for a run with ``run_fingerprint``; return the folder to use.

    A folder with a different fingerprint (or networks and no fingerprint) is refused with the
    list of what changed, or, with ``on_mismatch="new_folder"``, a sibling folder named after the
    fingerprint is used instead. Temporary files of a killed run are removed.
    """
    out_dir = Path(out_dir)
    recorded = _read_fingerprint(out_dir)
    if recorded is not None and recorded != run_fingerprint:
        changed = _differences(recorded, run_fingerprint)
        out_dir = _mismatch(out_dir, run_fingerprint, on_mismatch, changed)
        return prepare(out_dir, run_fingerprint, "raise")
    if recorded is None and any(out_dir.glob("net_*.json")):
        changed = ["run.json: absent (networks of an unknown configuration)"]
        out_dir = _mismatch(out_dir, run_fingerprint, on_mismatch, changed)
        return prepare(out_dir, run_fingerprint, "raise")
    out_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out_dir)
    if recorded is None:
        atomic_write_json(out_dir / FINGERPRINT_FILE, run_fingerprint)
    return out_dir


def _read_fingerprint(out_dir):
    path = out_dir / FINGERPRINT_FILE
    if not path.is_file():
        return None
    return json.loads(path.read_text())


def _mismatch(out_dir, run_fingerprint, on_mismatch, changed):
    if on_mismatch == "new_folder":
        digest = hashlib.sha1(json.dumps(run_fingerprint, sort_keys=True).encode()).hexdigest()
        return out_dir.with_name(f"{out_dir.name}-{digest[:10]}")
    raise ValueError(
        f"{out_dir} holds networks trained differently, so they cannot be resumed:\n  "
        + "\n  ".join(changed)
        + "\nUse another out_dir, delete this one, or pass on_mismatch='new_folder' to train "
        "into a sibling folder named after the new settings."
    )


def stem(index):
    return f"net_{index:04d}"


def is_finished(out_dir, index):
    """Whether network ``index`` was stored completely (its JSON file is written last)."""
    base = Path(out_dir) / stem(index)
    return base.with_suffix(".json").exists() and base.with_suffix(".npz").exists()


def save(out_dir, record):
    """Store one finished network: weights, snapshots, then the JSON file that marks it done."""
    from ._snapshots import save_snapshots

    base = Path(out_dir) / stem(record["index"])
    atomic_savez(base.with_suffix(".npz"), record["weights"])
    if record.get("snapshots") is not None:
        save_snapshots(base.with_suffix(".snapshots.npz"), record["snapshots"],
                       record["snapshot_valid_acc"])
    meta = {k: v for k, v in record.items()
            if k not in ("weights", "snapshots", "snapshot_valid_acc")}
    atomic_write_json(base.with_suffix(".json"), describe(meta))


def load(out_dir, index):
    """Read one stored network back as a record."""
    from ._snapshots import load_snapshots

    base = Path(out_dir) / stem(index)
    record = json.loads(base.with_suffix(".json").read_text())
    with np.load(base.with_suffix(".npz"), allow_pickle=False) as data:
        record["weights"] = {k: data[k] for k in data.files}
    snaps = base.with_suffix(".snapshots.npz")
    if snaps.exists():
        record["snapshots"], record["snapshot_valid_acc"] = load_snapshots(
            snaps, return_accuracy=True)
    return record


def stored_indices(out_dir):
    """Indices of the finished networks in ``out_dir``, sorted."""
    out_dir = Path(out_dir)
    found = (int(p.name.split("_")[1].split(".")[0]) for p in out_dir.glob("net_*.json"))
    return sorted(i for i in found if is_finished(out_dir, i))
