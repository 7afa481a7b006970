"""Name -> experiment function, for `sktopo reproduce NAME`."""

SCALES = ("tiny", "small", "paper")


def _experiments():
    # Imported here so `import sktopo.experiments` stays light.
    from . import _registered

    return _registered.EXPERIMENTS


def run_experiment(name, *, scale="small", data_home=None, options=None, random_state=0, verbose=1):
    """Run the experiment called ``name`` and return its :class:`ExperimentResult`.

    Parameters
    ----------
    name : str
        A key of :data:`EXPERIMENTS` (``sktopo reproduce list`` prints them).
    scale : {"tiny", "small", "paper"}, default="small"
        ``"tiny"`` runs in seconds (tests), ``"small"`` in CPU minutes, ``"paper"`` at the
        paper's scale (a GPU box).
    data_home : str or Path, default=None
        Folder with dataset or weight files, for experiments that need them.
    options : dict of str to str, default=None
        Experiment-specific overrides (``--set key=value`` on the command line).
    random_state : int, default=0
        Seed.
    verbose : int, default=1
        Progress bars when positive.
    """
    experiments = _experiments()
    if name not in experiments:
        raise ValueError(f"Unknown experiment {name!r}. Choose one of: {', '.join(experiments)}.")
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}; got {scale!r}.")
    return experiments[name](
        scale=scale, data_home=data_home, random_state=random_state, verbose=verbose,
        **(options or {}),
    )
