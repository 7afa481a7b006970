"""Data loaders and synthetic clouds."""

from ._synthetic import make_collection, make_filter_cloud

__all__ = ["make_collection", "make_filter_cloud"]
