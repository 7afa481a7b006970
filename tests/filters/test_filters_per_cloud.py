import numpy as np
from sklearn.base import clone
from sklearn.pipeline import make_pipeline

from sktopo.datasets import make_filter_cloud
from sktopo.filters import DensityFiltration, FilterNormalizer, PerCloud, density_filtration, normalize_filters


def test_per_cloud_applies_transformer_to_each_cloud():
    rng = np.random.default_rng(0)
    clouds = [rng.normal(size=(n, 9)) for n in (5, 12)]
    out = PerCloud(FilterNormalizer()).fit_transform(clouds)
    for c, o in zip(clouds, out):
        np.testing.assert_allclose(o, normalize_filters(c))


def test_pipeline_normalise_then_filter_and_nested_params():
    clouds = [make_filter_cloud("primary_circle", 60, random_state=s) * 3 + 1 for s in range(3)]
    pipe = make_pipeline(PerCloud(FilterNormalizer()), DensityFiltration(k=3, p=0.5))
    pipe.set_params(densityfiltration__k=5, percloud__transformer__rtol=1e-3)
    out = pipe.fit_transform(clouds)
    assert len(out) == 3
    for c, o in zip(clouds, out):
        np.testing.assert_allclose(o, density_filtration(normalize_filters(c), 5, 0.5))
    assert clone(pipe).get_params()["densityfiltration__k"] == 5
