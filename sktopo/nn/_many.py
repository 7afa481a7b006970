"""Many networks of one configuration: the one training runner (one by one or batched).

:func:`train_many` owns everything the experiments need from training: one seed per network,
per-network files with resume, snapshots of chosen layers at chosen iterations, user
callbacks, and the guarantees that an interrupted network is never stored as finished and that a
folder trained with other settings is never silently reused (see :mod:`._run_folder`).
"""

import copy
import os
import signal
import threading
import time
from contextlib import contextmanager

import numpy as np
import torch
from joblib import Parallel, delayed
from sklearn.base import clone
from skorch import NeuralNet

from .._compat import Integral, StrOptions, validate_params
from .._progress import progress
from .._validation import Number
from . import _run_folder as folder
from ._callbacks import WeightSnapshots, divergence_advice, iteration_schedule, iteration_unchecked
from ._evaluation import accuracy_unchecked
from ._images import _input_shape, check_images
from ._training import architecture, family_defaults, make_net, resolve_device

#: Batch keys skorch (and the iteration counter) write on every batch; anything else a callback
#: records is an event worth keeping with the network.
_ROUTINE_KEYS = frozenset(
    {"train_loss", "train_batch_size", "valid_loss", "valid_batch_size", "iteration"})

#: Batched runs check their losses for divergence this often (and at the last iteration).
_DIVERGENCE_EVERY = 50


@validate_params({"random_state": [Number(Integral, 0, None, closed="left"), None],
                  "index": [Number(Integral, 0, None, closed="left")]},
                 prefer_skip_nested_validation=True)
def network_seed(random_state, index):
    """The seed of network ``index``: independent streams from one base seed, stable in ``index``
    (adding networks later never changes the earlier ones).

    Parameters
    ----------
    random_state : int or None
        Base seed of the run; ``None`` means 0.
    index : int
        Index of the network in the run, from 0.

    Returns
    -------
    seed : int
        The network's seed, in ``[0, 2**31 - 1)``.
    """
    base = 0 if random_state is None else int(random_state)
    ss = np.random.SeedSequence(base, spawn_key=(index,))
    return int(ss.generate_state(1)[0] % (2**31 - 1))


# --------------------------------------------------------------------------- the public runner
@validate_params(
    {"config": [dict, NeuralNet], "n_networks": "no_validation", "X": "no_validation",
     "y": "no_validation", "n_jobs": [Integral, None], "out_dir": [str, os.PathLike, None],
     "random_state": [Number(Integral, 0, None, closed="left"), None],
     "batched": ["boolean", Number(Integral, 1, None, closed="left")],
     "snapshot_layers": [list, tuple, None], "callbacks": [list, None],
     "on_mismatch": [StrOptions({"raise", "new_folder"})], "verbose": ["verbose"]},
    prefer_skip_nested_validation=False,
)
def train_many(
    config,
    n_networks,
    X,
    y,
    *,
    X_valid=None,
    y_valid=None,
    n_jobs=None,
    out_dir=None,
    random_state=0,
    batched=False,
    snapshot_iterations=None,
    snapshot_layers=None,
    callbacks=None,
    on_mismatch="raise",
    verbose=0,
):
    """Train ``n_networks`` networks of one configuration from independent seeds.

    The one training runner of sktopo. Networks run through joblib, so
    ``joblib.parallel_backend("dask")`` spreads them over a cluster with the same call, or as
    one vmapped model (``batched``), much faster for small networks on a GPU.

    With ``out_dir`` the run is resumable and nothing is lost or stale:

    * every finished network is written atomically (``net_<i>.npz`` weights,
      ``net_<i>.snapshots.npz``, then ``net_<i>.json``, whose presence marks it finished); a
      rerun loads those and trains only the rest;
    * an interrupted network (Ctrl-C) is never stored: the runner stops and raises
      ``KeyboardInterrupt``, keeping the networks finished before it;
    * ``run.json`` records a fingerprint of everything that determines the networks (config,
      training and validation data, base seed, batching, snapshots, callbacks, library
      versions); a rerun with a different fingerprint is refused with the list of what changed
      (``on_mismatch="new_folder"`` trains into a sibling folder instead);
    * temporary files of a killed run are removed; files get the user's normal permissions.

    Parameters
    ----------
    config : dict or skorch.NeuralNet
        Keyword arguments of :func:`make_net` (``{"arch": "M", "sizes": (64, 32, 64),
        "max_iter": 1000}``), or an unfitted net built by :func:`make_net` to clone.
    n_networks : int
        Number of networks; network ``i`` has seed :func:`network_seed` ``(random_state, i)``.
    X : array-like
        Training images ``(n, H, W)``, ``(n, C, H, W)`` or flat ``(n, H*W)``.
    y : array-like of int
        Labels.
    X_valid, y_valid : array-like or None, default=None
        Scored once per finished network (``valid_acc``) and at every snapshot.
    n_jobs : int or None, default=None
        Joblib workers (``-1``: all cores). Ignored by ``batched``.
    out_dir : str, Path or None, default=None
        Where to write (and resume) results.
    random_state : int, default=0
        Base seed.
    batched : bool or int, default=False
        Train the networks as one vmapped model (stacked weights, one optimiser step); an int
        trains chunks of that many networks at a time. Needs a dict ``config`` and no
        ``callbacks``; each network still gets its own initial weights and batch order.
    snapshot_iterations : int, list of int or None, default=None
        Record the weights of ``snapshot_layers`` (and the validation accuracy) every ``k``
        batch iterations (an int) or at the listed iterations (0 is the initial state).
    snapshot_layers : list of str or None, default=None
        Conv module names to snapshot (e.g. ``"features.conv1"``); ``None`` means every conv.
    callbacks : list of (str, skorch Callback) or None, default=None
        Extra callbacks for every network (cloned per network; one-by-one mode only). What they
        record in ``net.history`` outside skorch's routine keys is kept in ``events``.
    on_mismatch : {"raise", "new_folder"}, default="raise"
        What to do when ``out_dir`` holds networks trained with other settings.
    verbose : int, default=0
        Progress bar when > 0.

    Returns
    -------
    records : list of dict
        One per network, by index: ``index``, ``seed``, ``valid_acc``, ``train_time_s``,
        ``n_iter``, ``events`` (callback records, each with its ``iteration``), ``weights`` (the
        state dict as numpy arrays, a source for :func:`sktopo.filters.extract_spatial_filters`),
        ``run_folder`` (or None), and with snapshots ``snapshots`` (iteration -> layer weights)
        and ``snapshot_valid_acc`` (iteration -> accuracy).

    See Also
    --------
    load_many : Read a run folder back.
    """
    if isinstance(n_networks, bool) or not isinstance(n_networks, (int, np.integer)) \
            or n_networks < 1:
        raise ValueError(f"n_networks must be a positive int; got {n_networks!r}.")
    n_classes = _n_classes(config)
    X, y = check_images(X, y, n_classes=n_classes)
    if X_valid is not None:
        X_valid, y_valid = check_images(X_valid, y_valid, name="X_valid", n_classes=n_classes)
    spec = _RunSpec(config, _input_shape(X), X_valid, y_valid, snapshot_iterations,
                    snapshot_layers, list(callbacks or []), batched)
    if out_dir is not None:
        out_dir = folder.prepare(out_dir, spec.fingerprint(X, y, random_state), on_mismatch)
    seeds = [network_seed(random_state, i) for i in range(n_networks)]
    done = {i: folder.load(out_dir, i) for i in range(n_networks)
            if out_dir is not None and folder.is_finished(out_dir, i)}
    todo = [i for i in range(n_networks) if i not in done]
    if todo:
        train = _train_in_batches if batched else _train_one_by_one
        done.update({r["index"]: r for r in train(spec, todo, seeds, X, y, out_dir, n_jobs,
                                                  verbose)})
    for record in done.values():
        record["run_folder"] = None if out_dir is None else str(out_dir)
    return [done[i] for i in range(n_networks)]


@validate_params({"out_dir": [str, os.PathLike]}, prefer_skip_nested_validation=True)
def load_many(out_dir):
    """Read every finished network of a :func:`train_many` run folder, by index.

    Parameters
    ----------
    out_dir : str or Path
        The ``out_dir`` of the run.

    Returns
    -------
    records : list of dict
        As returned by :func:`train_many`.
    """
    from pathlib import Path

    if not Path(out_dir).is_dir():
        raise FileNotFoundError(f"out_dir: no run folder at {out_dir}.")
    return [folder.load(out_dir, i) for i in folder.stored_indices(out_dir)]


def _n_classes(config):
    """Output classes of the configured network (labels are checked against it, in every mode)."""
    params = config.get_params() if isinstance(config, NeuralNet) else dict(config)
    return int(params.get("module__n_classes", 10))


# --------------------------------------------------------------------------- what a run is
class _RunSpec:
    """Everything but the seeds that determines the networks of one run."""

    def __init__(self, config, input_shape, X_valid, y_valid, snapshot_iterations,
                 snapshot_layers, callbacks, batched):
        if batched and isinstance(config, NeuralNet):
            raise TypeError("batched=True needs config as a dict of make_net arguments.")
        if batched and callbacks:
            raise ValueError("callbacks run inside skorch's loop; batched training has none. "
                             "Use batched=False, or snapshot_iterations for weights.")
        self.config, self.input_shape = config, input_shape
        self.X_valid, self.y_valid = X_valid, y_valid
        self.snapshot_iterations, self.snapshot_layers = snapshot_iterations, snapshot_layers
        if snapshot_iterations is not None:
            iteration_schedule(snapshot_iterations, name="snapshot_iterations")
        self.callbacks, self.batched = callbacks, batched

    def fingerprint(self, X, y, random_state):
        config = self.config
        return folder.fingerprint(
            config=config, train_data=folder.data_digest(X, y),
            valid_data=folder.data_digest(self.X_valid, self.y_valid),
            random_state=random_state, batched=self.batched,
            snapshot_iterations=self.snapshot_iterations, snapshot_layers=self.snapshot_layers,
            callbacks=self.callbacks,
        )

    def make(self, seed):
        """A fresh net for ``seed`` with the run's snapshot and user callbacks."""
        if isinstance(self.config, NeuralNet):
            net = clone(self.config)
            params = {"module__random_state": seed}
            if net.get_params().get("module__input_shape") is None:
                params["module__input_shape"] = self.input_shape
            if "seed" in dict(net.callbacks or []):
                params["callbacks__seed__random_state"] = seed
            net.set_params(**params)
        else:
            cfg = dict(self.config)
            if cfg.get("input_shape") is None:
                cfg["input_shape"] = self.input_shape
            net = make_net(random_state=seed, **cfg)
        extra = [(name, clone(cb)) for name, cb in self.callbacks]
        if self.snapshot_iterations is not None:
            extra.append(("run_snapshots", WeightSnapshots(
                self.snapshot_iterations, self.snapshot_layers, X_valid=self.X_valid,
                y_valid=self.y_valid)))
        return _insert_before_limit(net, extra)


def _insert_before_limit(net, extra):
    """Add callbacks before ``iteration_limit``, which must stay last to stop after them."""
    callbacks = list(net.callbacks or [])
    names = [name for name, _ in callbacks]
    at = names.index("iteration_limit") if "iteration_limit" in names else len(callbacks)
    return net.set_params(callbacks=callbacks[:at] + extra + callbacks[at:])


# --------------------------------------------------------------------------- one by one
@contextmanager
def _watching_interrupts():
    """Note a Ctrl-C that skorch would swallow (it ends ``fit`` quietly on KeyboardInterrupt).

    Signal handlers belong to the main thread; elsewhere the interrupt reaches that thread.
    """
    seen = {"interrupted": False}
    if threading.current_thread() is not threading.main_thread():
        yield seen
        return

    def handler(signum, frame):
        seen["interrupted"] = True
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield seen
    finally:
        signal.signal(signal.SIGINT, previous)


def _train_one_by_one(spec, todo, seeds, X, y, out_dir, n_jobs, verbose):
    jobs = (delayed(_train_one)(spec, i, seeds[i], X, y, out_dir) for i in todo)
    return Parallel(n_jobs=n_jobs)(progress(jobs, verbose=verbose, desc="networks",
                                            total=len(todo)))


def _train_one(spec, index, seed, X, y, out_dir):
    net = spec.make(seed)
    with _watching_interrupts() as seen:
        start = time.perf_counter()
        net.fit(X, y)
        elapsed = time.perf_counter() - start
    if seen["interrupted"]:
        raise KeyboardInterrupt  # the half-trained network is dropped, never stored
    record = {
        "index": index,
        "seed": seed,
        "train_time_s": elapsed,
        "n_iter": iteration_unchecked(net),
        "valid_acc": _accuracy(net.module_, spec, net.device),
        "events": _events(net.history),
        "weights": _state(net.module_),
    }
    snaps = dict(net.callbacks_).get("run_snapshots")
    if snaps is not None:
        record.update(snapshots=dict(snaps.snapshots_), snapshot_valid_acc=dict(snaps.valid_acc_))
    if out_dir is not None:
        folder.save(out_dir, record)
    return record


def _events(history):
    """What callbacks recorded beyond skorch's routine, one dict per batch, with its iteration."""
    out = []
    for epoch in history:
        for batch in epoch["batches"]:
            extra = {k: v for k, v in batch.items() if k not in _ROUTINE_KEYS}
            if extra:
                out.append({"iteration": batch.get("iteration"), **extra})
    return out


def _accuracy(module, spec, device):
    if spec.X_valid is None:
        return None
    return accuracy_unchecked(module, torch.as_tensor(spec.X_valid),
                             torch.as_tensor(spec.y_valid), device=device)


def _state(module):
    return {k: v.detach().cpu().numpy() for k, v in module.state_dict().items()}


# --------------------------------------------------------------------------- batched
def _train_in_batches(spec, todo, seeds, X, y, out_dir, n_jobs, verbose):
    chunk = len(todo) if spec.batched is True else int(spec.batched)
    records = []
    for s in progress(range(0, len(todo), chunk), verbose=verbose, desc="batched nets"):
        part = todo[s:s + chunk]
        records += _train_batched(spec, part, [seeds[i] for i in part], X, y, out_dir)
    return records


def _batched_settings(config):
    """make_net's arguments, read for the batched loop (which supports a subset of them)."""
    cfg = dict(config)
    arch = cfg.pop("arch", "M")
    defaults = family_defaults(arch)
    settings = {
        "module_cls": architecture(arch),
        "sizes": tuple(cfg.pop("sizes", (64, 32, 64))),
        "max_iter": cfg.pop("max_iter", None),
        "max_epochs": cfg.pop("max_epochs", None),
        "batch_size": cfg.pop("batch_size", 128),
        "device": resolve_device(cfg.pop("device", "auto")),
        "lr": cfg.pop("lr", None) or defaults["lr"],
        "optimizer": cfg.pop("optimizer", None) or defaults["optimizer"],
        "weight_decay": cfg.pop("weight_decay", None),
    }
    if settings["weight_decay"] is None:
        settings["weight_decay"] = defaults["weight_decay"]
    cfg.pop("verbose", None)
    cfg.pop("input_shape", None)
    settings["module_kw"] = _prefixed(cfg, "module__")
    settings["optimizer_kw"] = _prefixed(cfg, "optimizer__")
    if cfg:
        raise ValueError(
            f"batched=True supports make_net's arch, sizes, max_iter, max_epochs, lr, batch_size, "
            f"optimizer, weight_decay, device and module__/optimizer__ keys; got {sorted(cfg)}."
        )
    return settings


def _prefixed(cfg, prefix):
    return {k[len(prefix):]: cfg.pop(k) for k in list(cfg) if k.startswith(prefix)}


def _stacked_optimizer(settings, params):
    """One optimiser over the stacked weights; the dense layers' L2 loss as in make_net."""
    wd = settings["weight_decay"]
    decay, rest = [], []
    for name, p in params.items():
        if p.requires_grad:
            is_dense = wd and name.startswith("head.") and name.endswith("weight")
            (decay if is_dense else rest).append(p)
    groups = [{"params": rest}] + ([{"params": decay, "weight_decay": wd}] if decay else [])
    return settings["optimizer"](groups, lr=settings["lr"], **settings["optimizer_kw"])


def _train_batched(spec, indices, seeds, X, y, out_dir):
    """Train ``len(seeds)`` networks as one vmapped model: stacked weights, one optimiser step.

    Adam and SGD act element-wise, so one optimiser over the stacked weights is the same as one
    per network. Each network draws its own batch order from its own seed. A Ctrl-C ends the
    loop before any network of the chunk is stored.
    """
    from torch.func import functional_call, stack_module_state, vmap

    settings = _batched_settings(spec.config)
    device, batch_size, n = settings["device"], settings["batch_size"], len(X)
    max_iter = settings["max_iter"] or (settings["max_epochs"] or 10) * -(-n // batch_size)
    models = [
        settings["module_cls"](*settings["sizes"], input_shape=spec.input_shape, random_state=s,
                               **settings["module_kw"]).to(device)
        for s in seeds
    ]
    params, buffers = stack_module_state(models)
    base = copy.deepcopy(models[0]).to("meta")
    base.train()
    forward = vmap(lambda p, b, x: functional_call(base, (p, b), (x,)), randomness="different")
    optimizer = _stacked_optimizer(settings, params)
    snapshots = _BatchedSnapshots(spec, models, params, buffers)
    Xt, yt = torch.as_tensor(X, device=device), torch.as_tensor(y, device=device)
    gens = [torch.Generator().manual_seed(s) for s in seeds]
    torch.manual_seed(seeds[0])
    perms, pos = None, n
    start = time.perf_counter()
    snapshots.take(0)
    for it in range(1, max_iter + 1):
        if pos >= n:
            perms = torch.stack([torch.randperm(n, generator=g) for g in gens]).to(device)
            pos = 0
        idx = perms[:, pos:pos + batch_size]
        pos += batch_size
        logits = forward(params, buffers, Xt[idx])
        # Sum of per-network mean losses: each network gets exactly its own gradient.
        losses = torch.nn.functional.cross_entropy(
            logits.flatten(0, 1), yt[idx].flatten(), reduction="none"
        ).view(idx.shape).mean(1)
        if it % _DIVERGENCE_EVERY == 0 or it == max_iter:
            _check_losses(losses, indices, it, settings["lr"])
        optimizer.zero_grad(set_to_none=True)
        losses.sum().backward()
        optimizer.step()
        snapshots.take(it)
    elapsed = time.perf_counter() - start
    records = []
    for j, (index, seed) in enumerate(zip(indices, seeds)):
        model = _unstack(models, params, buffers, j)
        record = {
            "index": index, "seed": seed, "train_time_s": elapsed / len(seeds),
            "n_iter": int(max_iter), "batched": True, "events": [],
            "valid_acc": _accuracy(model, spec, device), "weights": _state(model),
            **snapshots.of(j),
        }
        if out_dir is not None:
            folder.save(out_dir, record)
        records.append(record)
    return records


def _check_losses(losses, indices, iteration, lr):
    """Stop a batched run whose networks diverged, naming them (the check syncs a GPU, so it
    runs every few iterations only)."""
    bad = [i for i, ok in zip(indices, torch.isfinite(losses).tolist()) if not ok]
    if bad:
        raise FloatingPointError(
            f"Training diverged by iteration {iteration}: networks {bad} have a non-finite loss. "
            f"{divergence_advice(lr)}"
        )


def _unstack(models, params, buffers, j):
    """Copy network ``j``'s slice of the stacked weights into its own module; return it."""
    model = models[j]
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(params[name][j])
        for name, b in model.named_buffers():
            b.copy_(buffers[name][j])
    return model


class _BatchedSnapshots:
    """Snapshots of the batched loop: the same schedule, layers and records as WeightSnapshots."""

    def __init__(self, spec, models, params, buffers):
        self.spec, self.models, self.params, self.buffers = spec, models, params, buffers
        self.weights = [{} for _ in models]
        self.accuracy = [{} for _ in models]
        if spec.snapshot_iterations is None:
            self.every, self.at = None, frozenset()
            return
        self.every, self.at = iteration_schedule(spec.snapshot_iterations,
                                                 name="snapshot_iterations")
        convs = [name for name, m in models[0].named_modules() if isinstance(m, torch.nn.Conv2d)]
        layers = convs if spec.snapshot_layers is None else list(spec.snapshot_layers)
        missing = sorted(set(layers) - set(convs))
        if missing:
            raise ValueError(f"No conv layer(s) {missing} in the network; conv layers: {convs}.")
        self.layers = layers

    def _due(self, it):
        # As WeightSnapshots: the initial state (0) only when listed.
        if self.every is not None:
            return it > 0 and it % self.every == 0
        return it in self.at

    def take(self, it):
        if self.spec.snapshot_iterations is None or not self._due(it):
            return
        for j in range(len(self.models)):
            model = _unstack(self.models, self.params, self.buffers, j)
            self.weights[j][it] = {f"{name}.weight": self.params[f"{name}.weight"][j]
                                   .detach().cpu().numpy().copy() for name in self.layers}
            acc = _accuracy(model, self.spec, next(model.parameters()).device)
            self.accuracy[j][it] = float("nan") if acc is None else acc

    def of(self, j):
        if self.spec.snapshot_iterations is None:
            return {}
        return {"snapshots": self.weights[j], "snapshot_valid_acc": self.accuracy[j]}
