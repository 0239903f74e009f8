"""Lesson 05's figure of each code dimension against the prior."""
import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import torch

from advdis_lessons.models import make_prior
from advdis_lessons.plots import aae as plots_aae

pytestmark = pytest.mark.usefixtures("close_figures")


def test_marginals_draws_one_histogram_and_the_prior_per_dim():
    prior = make_prior("uniform", 4)
    codes = prior.sample(500, generator=torch.Generator().manual_seed(0))
    axes = plots_aae.marginals(codes, prior, title="q vs p", xlim=2.0)
    assert len(axes) == 4 and [ax.get_title() for ax in axes] == ["z0", "z1", "z2", "z3"]
    line = axes[2].lines[-1]
    assert np.allclose(line.get_ydata(), prior.pdf(line.get_xdata()))
    assert axes[0].get_xlim() == (-2.0, 2.0) and len(axes[1].patches) == 40
    assert axes[0].figure._suptitle.get_text() == "q vs p"


def test_marginals_refuses_bad_codes_and_a_prior_of_another_size():
    prior = make_prior("gaussian", 3)
    with pytest.raises(ValueError, match="shape"):
        plots_aae.marginals(np.zeros(10), prior)
    with pytest.raises(ValueError, match="3 dims and the codes 2"):
        plots_aae.marginals(np.zeros((10, 2)), prior)
    with pytest.raises(ValueError, match="need 3 axes"):
        plots_aae.marginals(np.zeros((10, 3)), prior, axes=[None])
