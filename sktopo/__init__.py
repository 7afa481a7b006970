"""sktopo: topological data analysis of convolutional networks, the scikit-learn way."""

__version__ = "0.1.0"
