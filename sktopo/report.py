"""The one home of reports: what a command or an experiment writes, and what its words mean.

:class:`ExperimentResult` holds a table, figures, a summary and the settings, and writes them
(``index.html``, ``table.csv``, ``summary.json`` with its ``about``, ``settings.json``, one PNG
per figure); :data:`FIELD_MEANINGS` and :data:`CRITERIA` are the one glossary every report
quotes; :func:`findings` says in plain sentences what a summary found; :func:`to_jsonable` is
the one converter to JSON-ready values.
"""

import base64
import html
import io
import json
import os
import platform
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path, PurePath

import numpy as np
import pandas as pd

from ._compat import validate_params
from ._io import normal_mode
from ._validation import PATH
from .significance import SUMMARY_MEANINGS

__all__ = [
    "CRITERIA",
    "FIELD_MEANINGS",
    "ExperimentResult",
    "check_output_folder",
    "findings",
    "to_jsonable",
]


# Any value is accepted: converting what it is given is the function's job.
@validate_params({"value": "no_validation"}, prefer_skip_nested_validation=True)
def to_jsonable(value):
    """A JSON-ready copy of ``value``: the one converter of every file sktopo writes.

    Dicts (keys as text), lists and tuples are converted item by item; arrays become lists,
    numpy and torch scalars Python numbers, paths text; any other object its ``repr``.

    Parameters
    ----------
    value : object
        A summary, settings, a table cell, a Mapper graph's attributes.

    Returns
    -------
    plain : object
        Built from dict, list, str, int, float, bool and None only.

    Examples
    --------
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from sktopo.report import to_jsonable
    >>> to_jsonable({"out": Path("runs"), "sizes": (64, 0, 64), "p": np.float32(0.5),
    ...              "kept": np.arange(3)})
    {'out': 'runs', 'sizes': [64, 0, 64], 'p': 0.5, 'kept': [0, 1, 2]}
    """
    return _plain(value)


def _plain(value):
    """:func:`to_jsonable` without its check: it recurses through every item."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, PurePath):
        return str(value)
    if hasattr(value, "item") and callable(value.item):  # numpy and torch scalars
        try:
            return value.item()
        except (TypeError, ValueError):
            pass
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value)


#: What the summary fields shared by several reports mean; a report adds its own through
#: ``ExperimentResult.descriptions``. ``summary.json`` carries the entries of the fields it holds.
FIELD_MEANINGS = {
    "layer": "the conv layer analysed: its name in a summary; in a table with a 'name' "
             "column, its 1-based index in network order",
    "n_filters": "spatial filters extracted (one per output x input channel pair), pooled over "
                 "the sources",
    "n_dead": "dead (constant) filters, dropped before the density filtration",
    "n_analysed": "points analysed: live filters kept by the density filtration rho(k, p)",
    **SUMMARY_MEANINGS,
    "max_lifetime_h1": "lifetime (death - birth) of the longest H1 bar of the lazy witness "
                       "barcode named by 'barcode', the paper's 'topological simplicity'; it "
                       "shrinks as points are added, so compare it only at equal n_analysed "
                       "(rips_lifetime_h1 is read at a fixed size)",
    "lifetime_2_h1": "lifetime of the second-longest H1 bar of that witness barcode",
    "barcode": "the complex of the witness barcode and its points",
    "mapper_nerve_betti1": "loops of the Mapper graph's flag (clique) complex over Z/2: 1 for a "
                           "circle; not the graph's cycle rank E - V + C, which counts the small "
                           "triangles of overlapping cover cells",
    "distance_to_primary_circle": "mean Euclidean distance of the analysed (normalised) filters "
                                  "to the primary circle of linear gradients (0 = on it, "
                                  "sqrt(2) at most)",
    "distance_to_primary_circle_live": "mean distance of every live (normalised) filter, before "
                                       "the density step, to the primary circle: the measure of "
                                       "sktopo.measures, over another population than "
                                       "distance_to_primary_circle",
    "primary_circle_found": "whether the shape is one circle, by the criterion in 'criteria'",
    "mean_valid_acc": "mean accuracy of the trained networks on the held-out images",
    "cloud": "the analysed cloud in the paper's notation",
    "train_seconds": "wall time of training, in seconds",
    "analysis_seconds": "wall time of the topology (density, barcodes, Mapper), in seconds",
}

#: How the yes/no and count fields are decided.
CRITERIA = {
    "verdict": "n_significant_h1 = 0: no significant loop; 1: a circle; 2 or more: several loops",
    "n_significant_h1": "H1 classes whose Bonferroni-corrected universal-null p-value is below "
                        "alpha, median over the subsamples of the significance readout",
    "primary_circle_found": "n_significant_h1 == 1 and mapper_nerve_betti1 == 1",
    "layers_with_significant_h1": "n_significant_h1 >= 1 in table.csv",
    "layers_with_one_loop": "n_significant_h1 == 1 and nerve_betti1 == 1 in table.csv",
}


@validate_params({"summary": [dict]}, prefer_skip_nested_validation=True)
def findings(summary):
    """What a report found, in plain sentences.

    Parameters
    ----------
    summary : dict
        A report's summary (e.g. ``ExperimentResult.summary``).

    Returns
    -------
    lines : list of str
        The verdict with how sure and how big, the size-matched null when there is one, each
        layer's verdict of a sweep, then the caveats; empty when the summary holds no
        significance readout.
    """
    lines = []
    if "verdict" in summary and "pvalue_h1" in summary:
        size = summary.get("subsample_size")
        of = f" of the {summary['n_analysed']} analysed" if "n_analysed" in summary else ""
        lines.append(
            f"{summary['verdict'][:1].upper()}{summary['verdict'][1:]} (p = {summary['pvalue_h1']:.2g} at alpha = "
            f"{summary.get('alpha', 0.05):g}); exact-Rips H1 lifetime "
            f"{summary['rips_lifetime_h1']:.3g} [{summary['rips_lifetime_h1_low']:.3g}, "
            f"{summary['rips_lifetime_h1_high']:.3g}] on random subsamples of {size:.0f}{of} "
            "points.")
    if "null_pvalue_h1" in summary:
        lines.append(
            f"Against clouds of Gaussian filters of the same size through the same steps: "
            f"p = {summary['null_pvalue_h1']:.2g} (largest null lifetime "
            f"{summary['null_max_rips_lifetime_h1']:.3g}).")
    lines += [f"Layer {v}." for v in summary.get("verdicts", [])]
    lines += [f"Caveat: {c}." for c in summary.get("caveats", [])]
    return lines


def _versions():
    """Versions of sktopo and of the libraries that shape its numbers (read without importing)."""
    out = {"python": platform.python_version()}
    for name in ("sktopo", "numpy", "scipy", "scikit-learn", "torch", "ripser", "networkx"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _keys(value):
    """Every key of a nested summary (dicts inside dicts)."""
    if not isinstance(value, dict):
        return set()
    return set(value) | {k for v in value.values() for k in _keys(v)}


@dataclass
class ExperimentResult:
    """Table, figures and settings of one experiment or command.

    Parameters
    ----------
    name : str
        Experiment name (the ``sktopo reproduce`` target).
    table : pandas.DataFrame
        The numbers: one row per network, checkpoint, layer or condition.
    figures : dict of str to matplotlib Figure
        Figures by file stem.
    settings : dict
        Every knob and seed used, so the run can be repeated.
    summary : dict
        Headline numbers (JSON-serialisable).
    extra_files : dict of str to str or bytes
        Other outputs by file name, text or binary (e.g. an interactive Mapper page, an
        ``.npz`` of diagrams); a name may hold a sub-folder (``mapper/layer3.html``).
    descriptions : dict of str to str
        Meanings of the summary fields and table columns this report adds to
        :data:`FIELD_MEANINGS`.
    """

    name: str
    table: pd.DataFrame
    figures: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)
    summary: dict = field(default_factory=dict)
    extra_files: dict = field(default_factory=dict)
    descriptions: dict = field(default_factory=dict)

    def about(self):
        """What ``summary.json`` says about itself: field meanings, criteria, versions, settings.

        Every field of the summary gets its meaning (fields without one are listed under
        ``undescribed``), so do the columns of ``table.csv`` that have one, then the criteria of
        the count and yes/no fields, the versions of sktopo, torch and the numerical libraries,
        and the settings of the run.

        Returns
        -------
        about : dict
            ``report``, ``created_utc``, ``fields``, ``undescribed``, ``table_columns``,
            ``criteria``, ``versions`` and ``settings``.
        """
        meanings = {**FIELD_MEANINGS, **self.descriptions}
        keys = sorted(_keys(self.summary))
        columns = [str(c) for c in self.table.columns]
        return {
            "report": self.name,
            "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "fields": {k: meanings[k] for k in keys if k in meanings},
            "undescribed": [k for k in keys if k not in meanings],
            "table_columns": {c: meanings[c] for c in columns if c in meanings},
            "criteria": {k: v for k, v in CRITERIA.items() if k in keys or k in columns},
            "versions": _versions(),
            "settings": self.settings,
        }

    def save(self, folder, *, dpi=120):
        """Write ``table.csv``, ``summary.json``, ``settings.json``, one PNG per figure, the extra
        files and an ``index.html`` page into ``folder``.

        Everything is written to a temporary folder beside the target first and moved into place
        at the end, so an interrupted run never leaves a half-written report. An existing
        ``folder`` is replaced only if it is empty or an earlier sktopo report; anything else is
        refused before any work, so a mistyped ``--out`` never deletes a user's files.

        Parameters
        ----------
        folder : str or Path
            The report folder.
        dpi : int, default=120
            Resolution of the PNG figures.

        Returns
        -------
        folder : Path
            The folder written, resolved.
        """
        folder = Path(folder).expanduser().resolve()
        check_output_folder(folder)
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
        old = None
        try:
            os.chmod(tmp, normal_mode(is_dir=True))
            self.table.to_csv(tmp / "table.csv", index=False)
            summary = {**self.summary, "about": self.about()}
            (tmp / "summary.json").write_text(json.dumps(to_jsonable(summary), indent=2))
            (tmp / "settings.json").write_text(json.dumps(to_jsonable(self.settings), indent=2))
            for stem, fig in self.figures.items():
                fig.savefig(tmp / f"{stem}.png", dpi=dpi, bbox_inches="tight")
            for fname, content in self.extra_files.items():
                target = tmp / fname
                target.parent.mkdir(parents=True, exist_ok=True)
                if isinstance(content, bytes):
                    target.write_bytes(content)
                else:
                    target.write_text(content)
            (tmp / "index.html").write_text(self.to_html(dpi=dpi))
            (tmp / _MARKER).write_text(f"{self.name}\n")
            if folder.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{folder.name}-old-", dir=folder.parent))
                os.replace(folder, old / "report")
            os.replace(tmp, folder)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            if old is not None and not folder.exists() and (old / "report").exists():
                os.replace(old / "report", folder)  # put the earlier report back
                shutil.rmtree(old, ignore_errors=True)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return folder

    def to_html(self, *, dpi=120):
        """A self-contained report page: findings, summary, figures (inline PNG), table, settings.

        Parameters
        ----------
        dpi : int, default=120
            Resolution of the inline figures.

        Returns
        -------
        page : str
            The HTML page.
        """

        meanings = {**FIELD_MEANINGS, **self.descriptions}

        def rows(mapping):
            # The meaning of a field shows when the pointer rests on its name.
            return "".join(
                f'<tr><th title="{html.escape(meanings.get(k, ""))}">{html.escape(str(k))}</th>'
                f"<td>{html.escape(_fmt(v))}</td></tr>"
                for k, v in mapping.items()
            )

        images = []
        for stem, fig in self.figures.items():
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
            data = base64.b64encode(buf.getvalue()).decode("ascii")
            images.append(f'<figure><img alt="{html.escape(stem)}" src="data:image/png;base64,'
                          f'{data}"><figcaption>{html.escape(stem)}.png</figcaption></figure>')
        links = "".join(
            f'<li><a href="{html.escape(f)}">{html.escape(f)}</a></li>'
            for f in self.extra_files if f.endswith(".html")
        )
        table = self.table.head(200).to_html(index=False, float_format=lambda v: f"{v:.4g}")
        found = "".join(f"<p>{html.escape(line)}</p>" for line in findings(self.summary))
        return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>sktopo: {html.escape(self.name)}</title>
<style>
body {{ font-family: sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }}
th, td {{ border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }}
figure {{ display: inline-block; margin: 0.5em; vertical-align: top; }}
img {{ max-width: 520px; }}
</style></head><body>
<h1>sktopo report: {html.escape(self.name)}</h1>
{"<h2>What was found</h2>" + found if found else ""}
<h2>Summary</h2><table>{rows(self.summary)}</table>
{"<h2>Interactive pages</h2><ul>" + links + "</ul>" if links else ""}
<h2>Figures</h2>{"".join(images)}
<h2>Table</h2>{table}
<h2>Settings</h2><table>{rows(self.settings)}</table>
<p>Files beside this page: table.csv, summary.json (with the meaning of every field under
"about"), settings.json and one PNG per figure.</p>
</body></html>
"""


#: File that marks a folder as an sktopo report, so a rerun may replace it.
_MARKER = ".sktopo-report"


def _check_writable_parent(folder):
    """The nearest existing ancestor must let us create ``folder`` (checked before any work)."""
    parent = folder.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise ValueError(f"cannot create {folder}: {parent} is not a writable folder; choose "
                         "another output folder (--out).")


@validate_params({"folder": PATH}, prefer_skip_nested_validation=True)
def check_output_folder(folder):
    """Raise ``ValueError`` unless ``folder`` is absent, empty, or an earlier sktopo report.

    Parameters
    ----------
    folder : str or Path
        The intended report folder (``--out``).
    """
    folder = Path(folder).expanduser().resolve()
    if not folder.exists():
        _check_writable_parent(folder)
        return
    if not folder.is_dir():
        raise ValueError(f"{folder} is a file, not a folder; choose another output folder (--out).")
    if (folder / _MARKER).exists() or not any(folder.iterdir()):
        # The report replaces the folder, which needs write access to its parent.
        _check_writable_parent(folder)
        return
    raise ValueError(
        f"{folder} already exists and is not an sktopo report; choose a new output folder "
        "(--out) so nothing in it is overwritten."
    )


def _fmt(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(to_jsonable(value))

