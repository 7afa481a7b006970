"""Where an experiment keeps its trained networks, so that a rerun resumes instead of retraining."""

import hashlib
import json
from pathlib import Path


def nets_folder(name, config, *, out_dir, scale, data_home):
    """The folder for the networks of one training configuration, or None to keep nothing.

    A sub-folder of ``out_dir`` named after ``name`` and a digest of ``config``, so runs of
    other configurations never share files. Without ``out_dir`` a paper-scale run still keeps
    its networks, under ``<data home>/runs`` (hours of training must survive an interruption);
    tiny and small runs keep nothing. A folder in use is announced on stdout, since a paper-scale
    run may fill it with gigabytes.

    Parameters
    ----------
    name : str
        Prefix of the folder name (experiment and architecture).
    config : dict
        Everything that determines the networks (JSON-serialisable, or its ``str`` is used).
    out_dir : str, Path or None
        The user's folder.
    scale : str
        The run's scale.
    data_home : str, Path or None
        Data home, for the paper-scale default.

    Returns
    -------
    Path or None
    """
    if out_dir is None and scale == "paper":
        from ..datasets import get_data_home

        out_dir = get_data_home(data_home) / "runs"
    if out_dir is None:
        return None
    digest = hashlib.sha1(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()
    folder = Path(out_dir).expanduser() / f"{name}-{digest[:10]}"
    print(f"{name}: trained networks are kept in {folder} (a rerun resumes from there)",
          flush=True)
    return folder


def preset_folder(name, preset, *, analysis_fields, data, scale, data_home, random_state):
    """:func:`nets_folder` of a run whose networks are determined by its preset's fields (all
    but ``analysis_fields`` and ``out_dir``), its data (a description) and its seed."""
    training = {key: value for key, value in preset.to_settings().items()
                if key not in (*analysis_fields, "out_dir")}
    return nets_folder(name, {**training, "data": data, "random_state": random_state},
                       out_dir=preset.out_dir, scale=scale, data_home=data_home)
