"""Privates stay private: a package's private modules and names are used inside that package only.

A subpackage re-exports what others need from its ``__init__`` (``sktopo.filters._density`` is
read as ``sktopo.filters``). The top-level package's own helpers (``sktopo._validation``,
``sktopo._compat``, ...) are the shared toolbox of everything inside ``sktopo``. Docs, examples and
doctests show public import paths only.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "sktopo"


def _module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_package(name):
    return (ROOT.joinpath(*name.split(".")) / "__init__.py").exists()


def _private(part):
    return part.startswith("_") and not part.startswith("__")


def _owner(name):
    """The package whose private a name is: the package itself, or a module's package."""
    return name if _is_package(name) else name.rpartition(".")[0]


def _imports(tree, package):
    """``(line, target, imported name or None)`` for every import in the tree, made absolute."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, None
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                yield node.lineno, base, alias.name


def _violations(source, module, is_init=False, where=""):
    """``where:line: ...`` for each import in ``source`` (of ``module``) of others' privates."""
    package = module if is_init else module.rpartition(".")[0]
    found = []
    for line, target, name in _imports(ast.parse(source), package):
        if target.split(".")[0] != "sktopo":
            continue
        parts = target.split(".")
        owners = [".".join(parts[:i]) for i, part in enumerate(parts) if _private(part)]
        if name is not None and _private(name):
            owners.append(_owner(target))
        for owner in owners:
            if not (module + ".").startswith(owner + "."):
                shown = target if name is None else f"{target}.{name}"
                found.append(f"{where}:{line}: {shown} is private to {owner}")
                break
    return found


def test_no_module_imports_another_packages_privates():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        found += _violations(path.read_text(), _module_name(path), path.name == "__init__.py",
                             str(path.relative_to(ROOT)))
    assert not found, "import the public name from the package instead:\n" + "\n".join(found)


def test_the_check_sees_every_import_form():
    source = (
        "import sktopo.filters._density\n"
        "from .filters._density import K_CONSTRAINT\n"
        "from .filters import _extract\n"
        "from .pipeline import _FACTORY_CONSTRAINTS\n"  # sktopo's own: allowed
        "from ._validation import check_cloud\n"  # the shared toolbox: allowed
        "def f():\n"
        "    from .datasets._train_test import load_train_test\n"
    )
    found = _violations(source, "sktopo.measures")
    assert [f.split(":")[1] for f in found] == ["1", "2", "3", "7"]
    assert _violations("from ._density import n_kept\n", "sktopo.filters._extract") == []
    assert _violations("from ._density import n_kept\n", "sktopo.filters", is_init=True) == []


PRIVATE_PATH = re.compile(r"\bsktopo(\.[A-Za-z]\w*)*\._[a-z]\w*")


def test_docs_and_doctests_show_public_paths():
    texts = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md")),
             *sorted((ROOT / "examples").rglob("*.py"))]
    found = [f"{path.relative_to(ROOT)}:{i}: {line.strip()}"
             for path in texts if path.exists()
             for i, line in enumerate(path.read_text().splitlines(), 1)
             if PRIVATE_PATH.search(line)]
    found += [f"{path.relative_to(ROOT)}:{i}: {line.strip()}"
              for path in sorted(PACKAGE.rglob("*.py"))
              for i, line in enumerate(path.read_text().splitlines(), 1)
              if line.lstrip().startswith(">>>") and PRIVATE_PATH.search(line)]
    assert not found, "show the public import path:\n" + "\n".join(found)
