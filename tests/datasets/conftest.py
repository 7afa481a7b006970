import os
from pathlib import Path

import pytest


def _shared_data():
    env = os.environ.get("SKTOPO_SHARED_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


@pytest.fixture
def shared_data():
    """Folder of the real data sets beside the repository; tests skip when it is absent."""
    return _shared_data()


@pytest.fixture(autouse=True)
def _isolated_data_home(monkeypatch, tmp_path_factory):
    # No test may read or write the user's real data home.
    monkeypatch.setenv("SKTOPO_DATA", str(tmp_path_factory.mktemp("data_home")))
