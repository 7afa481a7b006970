"""Fixtures shared by the experiment tests."""

import pytest


@pytest.fixture(autouse=True)
def _one_torch_thread():
    # The test machine has two shared cores; one torch thread keeps tiny runs predictable.
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture
def check_saved():
    """``check_saved(result, folder, figures)``: save ``result`` to ``folder``, check that the
    table, summary, settings and every ``<figure>.png`` were written; return the folder."""
    def check(result, folder, figures):
        out = result.save(folder)
        for fname in ("table.csv", "summary.json", "settings.json"):
            assert (out / fname).is_file()
        for stem in figures:
            assert (out / f"{stem}.png").is_file()
        return out

    return check
