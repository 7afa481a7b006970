"""The paper's experiments as functions returning tables and figures."""

from ._analysis import CloudTopology, describe_cloud
from ._analyze import analyze_weights
from ._demo import DEMO_RECIPE, run_demo
from ._registry import SCALES, run_experiment
from ._result import ExperimentResult

__all__ = [
    "CloudTopology",
    "DEMO_RECIPE",
    "ExperimentResult",
    "SCALES",
    "analyze_weights",
    "describe_cloud",
    "run_demo",
    "run_experiment",
]


def __getattr__(name):
    # `EXPERIMENTS` is built on first use so importing the package does not import every module.
    if name == "EXPERIMENTS":
        from ._registered import EXPERIMENTS

        return EXPERIMENTS
    raise AttributeError(name)
