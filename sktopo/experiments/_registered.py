"""The experiments `sktopo reproduce` knows, in the paper's order."""

EXPERIMENTS = {}
