import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from sktopo.homology import pad_diagrams, plot_barcode, plot_persistence_diagram  # noqa: E402

DGMS = [np.array([[0.0, 0.3], [0.0, 0.5], [0.0, np.inf]]), np.array([[0.2, 0.9], [0.3, 0.35]])]


@pytest.mark.parametrize("diagram", [DGMS, pad_diagrams([DGMS])[0]])
def test_barcode_draws_every_bar_and_marks_infinite_ones(diagram):
    fig = plot_barcode(diagram, title="t")
    ax0, ax1 = fig.axes
    right = ax0.get_xlim()[1]
    assert right > 0.9  # the panel reaches past the largest finite death
    segs = [s for c in ax0.collections for s in c.get_segments()]
    assert len(segs) == 3
    # The infinite bar runs to the right edge and ends in a labelled arrow head.
    assert any(np.isclose(s[1][0], right) for s in segs)
    assert ax0.get_legend().get_texts()[0].get_text() == "infinite"
    assert len([s for c in ax1.collections for s in c.get_segments()]) == 2
    plt.close(fig)


def test_barcode_max_bars_and_given_axes():
    fig, axes = plt.subplots(2, 1)
    out = plot_barcode(DGMS, axes=axes, max_bars=1)
    assert out is fig
    assert "longest 1 of 3" in axes[0].get_title(loc="left")
    with pytest.raises(ValueError, match="one per dimension"):
        plot_barcode(DGMS, axes=[axes[0]])
    plt.close(fig)


def test_persistence_diagram_returns_axes_with_infinite_line():
    ax = plot_persistence_diagram(pad_diagrams([DGMS])[0])
    assert ax.get_xlabel() == "birth" and ax.get_ylabel() == "death"
    assert any(t.get_text() == "infinite" for t in ax.texts)
    plt.close(ax.figure)


def test_bad_diagram_shape():
    with pytest.raises(ValueError, match="ripser-style"):
        plot_barcode(np.zeros((4, 5)))
