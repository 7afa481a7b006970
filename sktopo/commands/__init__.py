"""The commands of the ``sktopo`` command line as functions: ``analyze`` and ``demo``.

Each returns a :class:`sktopo.report.ExperimentResult`; the command line saves it and prints
what was found. ``run_demo`` trains networks, so importing this package imports torch.
"""

from ._analyze import analyze_weights
from ._demo import DEMO_RECIPE, run_demo

__all__ = ["DEMO_RECIPE", "analyze_weights", "run_demo"]
