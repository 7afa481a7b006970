"""Every public function, class and method of sktopo has a numpydoc docstring that matches it.

After scikit-learn's ``sklearn/tests/test_docstrings.py``: each object is validated with
:func:`numpydoc.validate.validate` and the errors it reports are checked against a chosen set of
codes. Unlike scikit-learn, the checks enforced are listed (``ENFORCED``) rather than the ones
ignored, so a code added by a later numpydoc does not start failing the suite by itself, and one
test reports every failure at once as ``object: CODE message`` lines.

What is public: the names in ``__all__`` of each public module that
:mod:`sktopo.utils.discovery` walks (``sktopo.pipeline``, ``significance``, ``sizes``, ``sweep``,
``measures``, ``stats``, ``export``, ``filters``, ``homology``, ``mapper``, ``datasets``, ``nn``,
``experiments`` and ``sktopo.base``) plus ``sktopo.utils``; constants are skipped (they carry no
docstring of their own). For each public class, every public method and property that sktopo
defines is validated too; what a class inherits from scikit-learn or torch is theirs to document.
"""

import ast
import importlib
import inspect

import pytest

from sktopo.utils.discovery import _public_modules

numpydoc_validation = pytest.importorskip("numpydoc.validate")


class _Validator(numpydoc_validation.Validator):
    """numpydoc's validator, able to read two kinds of source it trips on.

    numpydoc decides whether a function returns something (RT01) by dedenting its source and
    parsing it; a multi-line string whose lines start at column 0 (the page template of
    ``sktopo.report.ExperimentResult.to_html``) defeats the dedent, so the function is then read from its module's syntax
    tree. And it looks for a ``def`` line that a property made from a lambda
    (``CloudView.normalize``) has not; such a property has no line number.
    """

    def __init__(self, obj_name):
        obj = self._load_obj(obj_name)
        super().__init__(numpydoc_validation.get_doc_object(obj))

    @property
    def method_source(self):
        source = super().method_source
        try:
            ast.parse(source)
        except SyntaxError:
            code = inspect.unwrap(self.obj).__code__
            tree = ast.parse(inspect.getsource(inspect.getmodule(self.code_obj)))
            for node in ast.walk(tree):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
                    code.co_firstlineno
                    in [node.lineno] + [d.lineno for d in node.decorator_list]
                ):
                    return ast.unparse(node)
            raise
        return source

    @property
    def source_file_def_line(self):
        try:
            return super().source_file_def_line
        except StopIteration:
            return None


# The checks enforced, by numpydoc code
# (https://numpydoc.readthedocs.io/en/latest/validation.html#built-in-validation-checks).
ENFORCED = {
    "GL03",  # double blank line
    "GL05",  # tabs
    "GL06",  # unknown section
    "GL07",  # sections in the wrong order
    "GL08",  # no docstring
    "GL09",  # deprecation note after the extended summary
    "GL10",  # reST directive with one colon
    "SS01",  # no summary
    "SS02",  # summary does not start with a capital letter
    "SS03",  # summary does not end with a period
    "SS04",  # summary starts with whitespace
    "PR01",  # parameter not documented
    "PR02",  # documented parameter that does not exist
    "PR03",  # parameters documented in another order
    "PR04",  # parameter without a type
    "PR05",  # type ends with a period
    "PR06",  # "integer"/"boolean"/"string" rather than int/bool/str
    "PR07",  # parameter without a description
    "PR08",  # description does not start with a capital letter
    "PR09",  # description does not end with a period
    "PR10",  # no space before the colon
    "RT01",  # no Returns section although the function returns something
    "RT04",  # return description does not start with a capital letter
    "RT05",  # return description does not end with a period
    "YD01",  # no Yields section in a generator
    "SA02",  # See Also description without a final period
    "SA03",  # See Also description not capitalised
    "SA04",  # See Also entry without a description
}
# Left out, and why:
# - GL01, GL02: where the summary starts and the closing quotes sit are layout; the project puts
#   the summary on the opening line (GL01) and closes a wrapped one-paragraph docstring on its
#   last line (GL02).
# - SS05 (summary starts with an infinitive): the project's summaries often state what a function
#   gives ("Every public estimator...", "Mean iterations to a threshold...") rather than an order;
#   SS06 (summary on one line): wrapped two-line summaries are common and read fine.
# - ES01, SA01, EX01 (no extended summary / See Also / Examples): these ask for content, and
#   writing it only to satisfy the check would be filler; doctests are reviewed on their own.
# - RT02 (type alone on the first Returns line): the project names its return values
#   (``estimators : list of (str, type)``), as scikit-learn does. RT03 (return value without a
#   description): a named, typed value (``radius : float``) often says all there is.
# - Properties: numpydoc cannot read a property's signature, so PR02/GL08 are not asked of them
#   (scikit-learn does the same), nor a Returns section (RT01): the summary describes the value.
PROPERTY_SKIPPED = {"PR02", "GL08", "RT01"}
# - A method overriding a hook of torch, skorch or scikit-learn (``forward``,
#   ``on_batch_end``, ``initialize``...) is documented by its framework: it needs no docstring
#   (GL08), though one it has is checked. Likewise the parameters of a constructor taken as is
#   from such a class (PR01).
OVERRIDE_SKIPPED = {"GL08"}
INHERITED_INIT_SKIPPED = {"PR01"}

# Errors left when this test was written, as (object, code): still to fix. The test fails on any
# error not listed here and on a listed one that no longer occurs, so the list only shrinks.
# (An entry whose object is not exported, e.g. while a change to an ``__all__`` is under way, is
# not checked.)
KNOWN = set()

# Packages walked besides those sktopo.utils.discovery finds (it skips the developer tools).
EXTRA_MODULES = ("sktopo.utils",)


def _public_names(module):
    """The public names of ``module``: its ``__all__``, else what it defines itself."""
    if hasattr(module, "__all__"):
        return list(module.__all__)
    return [
        name
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and (inspect.isclass(obj) or inspect.isfunction(obj))
        and obj.__module__ == module.__name__
    ]


def _defined_in_sktopo(obj):
    return (getattr(obj, "__module__", None) or "").split(".")[0] == "sktopo"


def _member_function(raw):
    """The function behind a class attribute (method, static/class method, property), or None."""
    if isinstance(raw, property):
        return raw.fget
    if isinstance(raw, (staticmethod, classmethod)):
        return raw.__func__
    if inspect.isfunction(raw):
        return raw
    return None


def _overrides_framework(cls, attr):
    """Whether ``cls.attr`` overrides a member of a class outside sktopo (torch, skorch, ...)."""
    return any(attr in vars(base) for base in cls.__mro__[1:] if not _defined_in_sktopo(base))


def _public_objects():
    """Yield ``(import path, codes not asked of it)`` for each public function, class, method.

    Each object is validated once, under the first public name found for it.
    """
    modules = list(_public_modules(include_nn=True))
    modules += [importlib.import_module(name) for name in EXTRA_MODULES]
    seen = set()
    for module in modules:
        for name in _public_names(module):
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue  # a constant
            if not _defined_in_sktopo(obj) or id(obj) in seen:
                continue
            seen.add(id(obj))
            path = f"{module.__name__}.{name}"
            if not inspect.isclass(obj):
                yield path, set()
                continue
            # A class that keeps its framework's constructor (CrossEntropy keeps torch's) has
            # its parameters documented there.
            yield path, set() if _defined_in_sktopo(obj.__init__) else INHERITED_INIT_SKIPPED
            for attr in sorted(dir(obj)):
                if attr.startswith("_"):
                    continue
                raw = inspect.getattr_static(obj, attr)
                func = _member_function(raw)
                if func is None or not _defined_in_sktopo(func) or id(func) in seen:
                    continue
                seen.add(id(func))
                skipped = set()
                if isinstance(raw, property):
                    skipped |= PROPERTY_SKIPPED
                if _overrides_framework(obj, attr):
                    skipped |= OVERRIDE_SKIPPED
                yield f"{path}.{attr}", skipped


def _errors(path, skipped):
    result = numpydoc_validation.validate(path, validator_cls=_Validator)
    return [
        (code, message)
        for code, message in result["errors"]
        if code in ENFORCED and code not in skipped
    ]


def test_public_objects_are_found():
    paths = {path for path, _ in _public_objects()}
    # One of each kind, so a broken walk cannot pass by validating nothing.
    assert "sktopo.homology.Persistence" in paths
    assert "sktopo.homology.Persistence.get_feature_names_out" in paths
    assert "sktopo.stats.kendall_tau" in paths
    assert "sktopo.utils.all_estimators" in paths
    assert len(paths) > 200


def test_docstrings():
    failures, known_seen, walked = [], set(), set()
    for path, skipped in _public_objects():
        walked.add(path)
        for code, message in _errors(path, skipped):
            if (path, code) in KNOWN:
                known_seen.add((path, code))
            else:
                failures.append(f"{path}: {code} {message}")
    assert not failures, f"{len(failures)} docstring errors:\n" + "\n".join(failures)
    fixed = sorted((p, c) for p, c in KNOWN - known_seen if p in walked)
    assert not fixed, "fixed, remove from KNOWN:\n" + "\n".join(f"{p}: {c}" for p, c in fixed)


def test_no_docstring_lost_a_backslash():
    # In a docstring that is not raw, ":math:`\theta`" holds a tab and "\varphi" a vertical tab:
    # the page then shows "heta". Every docstring of sktopo, public or not, is checked.
    import pathlib

    import sktopo

    bad = []
    for path in pathlib.Path(sktopo.__file__).parent.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                doc = ast.get_docstring(node, clean=False) or ""
                if any(ch in doc for ch in "\t\x07\x08\x0b\x0c"):
                    bad.append(f"{path.name}: {getattr(node, 'name', '<module>')}")
    assert not bad, "escape the backslashes (\\\\theta) or use r-strings:\n" + "\n".join(bad)
