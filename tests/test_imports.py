"""Imports cost only what they use: no torch unless a torch source needs it.

Each check runs in a fresh interpreter, since this test process has long imported torch. Timings
are not asserted (shared machines are noisy); which modules got imported is.
"""

import json
import subprocess
import sys

import numpy as np
import pytest

HEAVY = ("torch", "skorch", "matplotlib", "sklearn.model_selection")


def _modules_after(code, *args):
    """Run ``code`` in a new interpreter and return the set of modules it left imported.

    ``code`` may use ``sys.argv[1:]`` for ``args``; it must not print to stdout.
    """
    script = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", script, *map(str, args)],
        capture_output=True, text=True, check=True, timeout=300,
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def _heavy(modules):
    return sorted(m for m in HEAVY if m in modules)


@pytest.mark.parametrize(
    "package", ["sktopo.filters", "sktopo.homology", "sktopo.mapper", "sktopo.cli"]
)
def test_import_does_not_load_torch(package):
    assert "torch" not in _modules_after(f"import {package}")


def test_filters_homology_mapper_together_do_not_load_torch():
    assert "torch" not in _modules_after("import sktopo.filters, sktopo.homology, sktopo.mapper")


def test_import_experiments_is_lazy():
    modules = _modules_after("import sktopo.experiments")
    assert _heavy(modules) == []
    assert "sktopo.experiments._zoo" not in modules


def test_experiments_lazy_names_resolve():
    import sktopo.experiments as experiments

    for name in experiments.__all__ + ["EXPERIMENTS"]:
        assert getattr(experiments, name) is not None
        assert name in dir(experiments)
    with pytest.raises(AttributeError):
        experiments.no_such_name  # noqa: B018


def test_help_does_not_load_heavy_modules():
    code = (
        "import contextlib, io\n"
        "from sktopo.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['--help'])"
    )
    assert _heavy(_modules_after(code)) == []


def test_python_m_cli_help_runs():
    done = subprocess.run(
        [sys.executable, "-m", "sktopo.cli", "--help"],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "reproduce" in done.stdout


def test_npz_extraction_does_not_load_torch(tmp_path):
    path = tmp_path / "w.npz"
    rng = np.random.default_rng(0)
    np.savez(path, **{"conv1.weight": rng.normal(size=(4, 2, 3, 3))})
    code = (
        "from sktopo.filters import extract_spatial_filters\n"
        "assert extract_spatial_filters(sys.argv[1], 1).shape == (8, 9)"
    )
    assert "torch" not in _modules_after(code, path)


def test_array_and_dict_extraction_do_not_load_torch():
    code = (
        "import numpy as np\n"
        "from sktopo.filters import extract_spatial_filters\n"
        "w = np.zeros((4, 2, 3, 3))\n"
        "assert extract_spatial_filters(w).shape == (8, 9)\n"
        "assert extract_spatial_filters({'c.weight': w}).shape == (8, 9)"
    )
    assert "torch" not in _modules_after(code)


def test_hdf5_extraction_does_not_load_torch(tmp_path):
    h5py = pytest.importorskip("h5py")
    path = tmp_path / "w.h5"
    with h5py.File(path, "w") as f:
        f["conv2d/kernel"] = np.zeros((3, 3, 2, 4))
    code = (
        "from sktopo.filters import extract_spatial_filters\n"
        "assert extract_spatial_filters(sys.argv[1], 1).shape == (8, 9)"
    )
    assert "torch" not in _modules_after(code, path)
