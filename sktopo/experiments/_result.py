"""A reproduced experiment's output: a table, figures, and the settings that made them."""

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        try:
            return value.item()
        except (TypeError, ValueError):
            pass
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value)


@dataclass
class ExperimentResult:
    """Table, figures and settings of one experiment.

    Attributes
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
    extra_files : dict of str to str
        Other text outputs by file name (e.g. an interactive Mapper page).
    """

    name: str
    table: pd.DataFrame
    figures: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)
    summary: dict = field(default_factory=dict)
    extra_files: dict = field(default_factory=dict)

    def save(self, folder, *, dpi=120):
        """Write ``table.csv``, ``summary.json``, ``settings.json``, one PNG per figure and the
        extra files into ``folder``.

        Everything is written to a temporary folder beside the target first and moved into place
        at the end, so an interrupted run never leaves a half-written report.
        """
        folder = Path(folder)
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
        try:
            self.table.to_csv(tmp / "table.csv", index=False)
            (tmp / "summary.json").write_text(json.dumps(_jsonable(self.summary), indent=2))
            (tmp / "settings.json").write_text(json.dumps(_jsonable(self.settings), indent=2))
            for stem, fig in self.figures.items():
                fig.savefig(tmp / f"{stem}.png", dpi=dpi, bbox_inches="tight")
            for fname, text in self.extra_files.items():
                (tmp / fname).write_text(text)
            if folder.exists():
                old = folder.with_name(f".{folder.name}-old")
                if old.exists():
                    shutil.rmtree(old)
                os.replace(folder, old)
                os.replace(tmp, folder)
                shutil.rmtree(old)
            else:
                os.replace(tmp, folder)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return folder
