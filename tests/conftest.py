"""Fixtures shared by the unit tests."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402


@pytest.fixture
def one_thread():
    """Torch on one thread for the test (small models: threads cost more than they save on 2 busy cores)."""
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


@pytest.fixture
def close_figures():
    """Close every matplotlib figure a test opened."""
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def decks(tmp_path_factory):
    """Every lesson's deck, built once per test module into a fresh folder (reveal.js from the cache in build/vendor,
    fetched if absent); skipped without the docs extra or without network and cache."""
    from advdis_lessons.publish import slides, vendor

    pytest.importorskip("jupyter_server_mathjax", reason="the decks' MathJax 2 is in the docs extra: "
                                                         "pip install -e '.[docs]'")
    try:
        vendor.reveal_dir()
    except vendor.OfflineError as err:
        pytest.skip(f"no network and no cached reveal.js: {err}")
    out = tmp_path_factory.mktemp("slides")
    slides.build(out, log=lambda *args: None)
    return out
