"""Sphinx configuration: build with `python -m sphinx -b html docs docs/_build/html`."""

project = "sktopo"
author = "the sktopo developers"
extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
myst_enable_extensions = ["dollarmath"]
autosummary_generate = True
numpydoc_show_class_members = False
exclude_patterns = ["_build"]
html_theme = "alabaster"
# scikit-learn's generated metadata-routing methods carry cross-references to its own docs.
autodoc_default_options = {
    "exclude-members": "set_fit_request, set_transform_request, set_score_request, "
    "set_predict_request, get_metadata_routing",
}
