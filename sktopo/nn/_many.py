"""Many networks of one configuration: joblib-parallel, resumable, or batched into one model."""

import copy
import json
import time
from pathlib import Path

import numpy as np
import torch
from joblib import Parallel, delayed
from sklearn.base import clone
from skorch import NeuralNet

from .._io import atomic_savez, atomic_write_json
from .._progress import progress
from ._modules import ARCHITECTURES
from ._snapshots import evaluate_accuracy
from ._training import check_images, infer_input_shape, make_net, resolve_device


def network_seed(random_state, index):
    """The seed of network ``index``: independent streams from one base seed, stable in ``index``
    (adding networks later never changes the earlier ones)."""
    ss = np.random.SeedSequence(0 if random_state is None else int(random_state), spawn_key=(index,))
    return int(ss.generate_state(1)[0] % (2**31 - 1))


def _net_for(config, seed, input_shape):
    if isinstance(config, NeuralNet):
        net = clone(config)
        params = {"module__random_state": seed}
        if net.get_params().get("module__input_shape") is None:
            params["module__input_shape"] = input_shape
        if "seed" in dict(net.callbacks or []):
            params["callbacks__seed__random_state"] = seed
        return net.set_params(**params)
    cfg = dict(config)
    if cfg.get("input_shape") is None:
        cfg["input_shape"] = input_shape
    return make_net(random_state=seed, **cfg)


def _stem(index):
    return f"net_{index:04d}"


def _json_safe(config):
    if isinstance(config, NeuralNet):
        return {"net": repr(type(config).__name__)}
    out = {}
    for k, v in dict(config).items():
        try:
            json.dumps(v)
            out[k] = v
        except TypeError:
            out[k] = getattr(v, "__name__", repr(v))
    return out


def _finished(out_dir, index):
    if out_dir is None:
        return False
    stem = Path(out_dir) / _stem(index)
    return stem.with_suffix(".json").exists() and stem.with_suffix(".npz").exists()


def _save(out_dir, record, config):
    stem = Path(out_dir) / _stem(record["index"])
    # npz first, json last: the json's presence marks a finished network.
    atomic_savez(stem.with_suffix(".npz"), record["weights"])
    meta = {k: v for k, v in record.items() if k != "weights"}
    meta["config"] = _json_safe(config)
    atomic_write_json(stem.with_suffix(".json"), meta)


def _load(out_dir, index):
    stem = Path(out_dir) / _stem(index)
    with open(stem.with_suffix(".json")) as f:
        meta = json.load(f)
    meta.pop("config", None)
    with np.load(stem.with_suffix(".npz"), allow_pickle=False) as data:
        meta["weights"] = {k: data[k] for k in data.files}
    return meta


def load_many(out_dir):
    """Read every finished network of a :func:`train_many` output directory, by index.

    Returns
    -------
    records : list of dict
        As returned by :func:`train_many`.
    """
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise FileNotFoundError(f"No directory {out_dir}.")
    idx = sorted(int(p.stem.split("_")[1]) for p in out_dir.glob("net_*.json"))
    return [_load(out_dir, i) for i in idx if _finished(out_dir, i)]


def _train_one(config, index, seed, X, y, X_valid, y_valid, out_dir, input_shape):
    net = _net_for(config, seed, input_shape)
    start = time.perf_counter()
    net.fit(X, y)
    elapsed = time.perf_counter() - start
    module = net.module_
    record = {
        "index": index,
        "seed": seed,
        "train_time_s": elapsed,
        "n_iter": int(sum(
            sum("train_loss" in b for b in h["batches"]) for h in net.history
        )),
        "valid_acc": None if X_valid is None else evaluate_accuracy(
            module, torch.as_tensor(X_valid), torch.as_tensor(y_valid), device=net.device
        ),
        "weights": {k: v.detach().cpu().numpy() for k, v in module.state_dict().items()},
    }
    if out_dir is not None:
        _save(out_dir, record, config)
    return record


def _train_batched(config, indices, seeds, X, y, X_valid, y_valid, out_dir, input_shape):
    """Train ``len(seeds)`` networks as one vmapped model: stacked weights, one optimiser step.

    Adam and SGD act element-wise, so one optimiser over the stacked weights is the same as one
    per network. Each network draws its own batch order from its own seed.
    """
    from torch.func import functional_call, stack_module_state, vmap

    cfg = dict(config)
    arch = cfg.pop("arch", "M")
    sizes = tuple(cfg.pop("sizes", (64, 32, 64)))
    max_iter = cfg.pop("max_iter", None)
    max_epochs = cfg.pop("max_epochs", None)
    batch_size = cfg.pop("batch_size", 128)
    device = resolve_device(cfg.pop("device", "auto"))
    cfg.pop("verbose", None)
    cfg.pop("input_shape", None)
    family = arch if isinstance(arch, str) else getattr(arch, "kind", "M")
    lr = cfg.pop("lr", None) or (0.1 if family == "C" else 1e-3)
    opt_cls = cfg.pop("optimizer", None) or (torch.optim.SGD if family == "C" else torch.optim.Adam)
    wd = cfg.pop("weight_decay", None)
    wd = (0.004 if family == "C" else 0.0) if wd is None else wd
    module_kw = {k[len("module__"):]: cfg.pop(k) for k in list(cfg) if k.startswith("module__")}
    opt_kw = {k[len("optimizer__"):]: cfg.pop(k) for k in list(cfg) if k.startswith("optimizer__")}
    if cfg:
        raise ValueError(
            f"batched=True supports make_net's arch, sizes, max_iter, max_epochs, lr, batch_size, "
            f"optimizer, weight_decay, device and module__/optimizer__ keys; got {sorted(cfg)}."
        )
    n = len(X)
    if max_iter is None:
        max_iter = (max_epochs or 10) * -(-n // batch_size)
    module_cls = ARCHITECTURES[arch] if isinstance(arch, str) else arch
    models = [
        module_cls(*sizes, input_shape=input_shape, random_state=s, **module_kw).to(device)
        for s in seeds
    ]
    params, buffers = stack_module_state(models)
    base = copy.deepcopy(models[0]).to("meta")
    base.train()

    def one(p, b, x):
        return functional_call(base, (p, b), (x,))

    forward = vmap(one, randomness="different")
    decay, rest = [], []
    for name, p in params.items():
        if p.requires_grad:
            (decay if (wd and name.startswith("head.") and name.endswith("weight")) else rest).append(p)
    groups = [{"params": rest}] + ([{"params": decay, "weight_decay": wd}] if decay else [])
    optimizer = opt_cls(groups, lr=lr, **opt_kw)
    Xt = torch.as_tensor(X, device=device)
    yt = torch.as_tensor(y, device=device)
    gens = [torch.Generator().manual_seed(s) for s in seeds]
    torch.manual_seed(seeds[0])
    perms, pos = None, n
    start = time.perf_counter()
    for _ in range(max_iter):
        if pos >= n:
            perms = torch.stack([torch.randperm(n, generator=g) for g in gens]).to(device)
            pos = 0
        idx = perms[:, pos:pos + batch_size]
        pos += batch_size
        logits = forward(params, buffers, Xt[idx])
        # Sum of per-network mean losses: each network gets exactly its own gradient.
        loss = torch.nn.functional.cross_entropy(
            logits.flatten(0, 1), yt[idx].flatten(), reduction="none"
        ).view(idx.shape).mean(1).sum()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    elapsed = time.perf_counter() - start
    records = []
    for j, (index, seed) in enumerate(zip(indices, seeds)):
        model = models[j]
        with torch.no_grad():
            for name, p in model.named_parameters():
                p.copy_(params[name][j])
            for name, b in model.named_buffers():
                b.copy_(buffers[name][j])
        record = {
            "index": index,
            "seed": seed,
            "train_time_s": elapsed / len(seeds),
            "n_iter": int(max_iter),
            "batched": True,
            "valid_acc": None if X_valid is None else evaluate_accuracy(
                model, torch.as_tensor(X_valid), torch.as_tensor(y_valid), device=device
            ),
            "weights": {k: v.detach().cpu().numpy() for k, v in model.state_dict().items()},
        }
        if out_dir is not None:
            _save(out_dir, record, config)
        records.append(record)
    return records


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
    verbose=0,
):
    """Train ``n_networks`` networks of one configuration from independent seeds.

    Networks run through joblib, so ``joblib.parallel_backend("dask")`` (or Ray's backend)
    spreads them over a cluster with the same call. With ``out_dir`` every finished network is
    written atomically as ``net_<i>.npz`` (its state dict) and ``net_<i>.json`` (seed,
    accuracy, time); a rerun after an interruption skips those and trains only the rest.

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
        Scored once per finished network (``valid_acc``).
    n_jobs : int or None, default=None
        joblib workers (``-1``: all cores). Ignored by ``batched=True``.
    out_dir : str, Path or None, default=None
        Where to write (and resume) results.
    random_state : int, default=0
        Base seed.
    batched : bool or int, default=False
        Train the networks as one vmapped model (stacked weights, grouped convolutions); an int
        trains chunks of that many networks at a time. Faster for small networks (see
        ``benchmarks/bench_training.py``); needs a dict ``config``; each network still gets its
        own initial weights and batch order.
    verbose : int, default=0
        Progress bar when > 0.

    Returns
    -------
    records : list of dict
        One per network, by index: ``index``, ``seed``, ``valid_acc``, ``train_time_s``,
        ``n_iter`` and ``weights`` (the state dict as numpy arrays, a source for
        :func:`sktopo.filters.extract_spatial_filters`).

    See Also
    --------
    load_many : Read an output directory back.
    """
    if not isinstance(n_networks, (int, np.integer)) or n_networks < 1:
        raise ValueError(f"n_networks must be a positive int; got {n_networks!r}.")
    X, y = check_images(X, y, n_classes=None)
    if X_valid is not None:
        X_valid, y_valid = check_images(X_valid, y_valid, name="X_valid")
    input_shape = infer_input_shape(X)
    seeds = [network_seed(random_state, i) for i in range(n_networks)]
    todo = [i for i in range(n_networks) if not _finished(out_dir, i)]
    done = {i: _load(out_dir, i) for i in range(n_networks) if i not in todo}
    if todo and batched:
        if isinstance(config, NeuralNet):
            raise TypeError("batched=True needs config as a dict of make_net arguments.")
        chunk = len(todo) if batched is True else int(batched)
        for s in progress(range(0, len(todo), chunk), verbose=verbose, desc="batched nets"):
            part = todo[s:s + chunk]
            for rec in _train_batched(config, part, [seeds[i] for i in part], X, y, X_valid,
                                      y_valid, out_dir, input_shape):
                done[rec["index"]] = rec
    elif todo:
        jobs = (
            delayed(_train_one)(config, i, seeds[i], X, y, X_valid, y_valid, out_dir, input_shape)
            for i in todo
        )
        results = Parallel(n_jobs=n_jobs)(
            progress(jobs, verbose=verbose, desc="networks", total=len(todo))
        )
        for rec in results:
            done[rec["index"]] = rec
    return [done[i] for i in range(n_networks)]
