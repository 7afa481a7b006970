"""The paper's experiments as functions returning tables and figures."""

from ._analysis import CloudTopology, describe_cloud
from ._result import ExperimentResult

__all__ = ["CloudTopology", "ExperimentResult", "describe_cloud"]
