import math

import pytest
import torch

from advdis_lessons import models
from advdis_lessons.losses import elbo as objectives


def test_conv_vae_shapes_and_size():
    m = models.ConvVAE(z_dim=7)
    x = torch.zeros(3, 1, 64, 64)
    logits, mu, logvar, z = m(x)
    assert logits.shape == x.shape and mu.shape == logvar.shape == z.shape == (3, 7)
    assert m.embed(x).shape == (3, 7)
    # Burgess et al. encoder/decoder with 32-32-64-64 convs and FC 256: about 0.76 M parameters at z = 10.
    assert 700_000 < models.num_parameters(models.ConvVAE()) < 800_000


def test_narrow_width_and_bad_width():
    m = models.ConvVAE(width="narrow")
    assert m.embed(torch.zeros(2, 1, 64, 64)).shape == (2, 10)
    # Half the channels and FC width: about a quarter of the parameters.
    assert 150_000 < models.num_parameters(m) < 250_000
    assert models.build_model({"z_dim": 4, "width": "narrow"}).encoder.fc[1].out_features == 128
    with pytest.raises(ValueError, match="unknown width 'wide'.*standard, narrow"):
        models.ConvVAE(width="wide")


def test_decoder_bias_starts_at_mean_pixel():
    m = models.ConvVAE()
    p = torch.sigmoid(m.decoder.out.bias).item()
    assert p == pytest.approx(models.PIXEL_MEAN, rel=1e-5)


def test_pixel_mean_matches_renderer():
    data = pytest.importorskip("advdis_lessons.data")
    assert data.mean_pixel_intensity() == pytest.approx(models.PIXEL_MEAN, rel=0.15)


def test_bad_shapes_are_named():
    m = models.ConvVAE(z_dim=4)
    with pytest.raises(ValueError, match=r"\(N, 1, 64, 64\).*\(2, 3, 64, 64\)"):
        m.encode(torch.zeros(2, 3, 64, 64))
    with pytest.raises(ValueError, match=r"\(N, 4\).*\(2, 5\)"):
        m.decode(torch.zeros(2, 5))
    with pytest.raises(ValueError):
        models.ConvVAE(z_dim=0)
    with pytest.raises(ValueError):
        models.mlp(0, 3)


def test_mlp_head():
    head = models.mlp(10, 2, hidden=(16, 16))
    assert head(torch.zeros(4, 10)).shape == (4, 2)
    assert sum(isinstance(l, torch.nn.Linear) for l in head) == 3
    sn = models.mlp(10, 1, spectral_norm=True)
    assert sn(torch.randn(3, 10)).shape == (3, 1)


def test_gaussian_kl_known_values():
    assert torch.allclose(objectives.gaussian_kl(torch.zeros(2, 3), torch.zeros(2, 3)), torch.zeros(2, 3))
    # mu = 1, sigma = 1: KL = 0.5 ; mu = 0, sigma^2 = e: 0.5 (e - 1 - 1)
    kl = objectives.gaussian_kl(torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 1.0]]))
    assert kl[0, 0].item() == pytest.approx(0.5)
    assert kl[0, 1].item() == pytest.approx(0.5 * (math.e - 2))


def test_gaussian_kl_matches_monte_carlo():
    torch.manual_seed(0)
    mu, logvar = torch.tensor([0.7]), torch.tensor([-0.5])
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
    z = q.sample((200_000,))
    mc = (q.log_prob(z) - torch.distributions.Normal(0.0, 1.0).log_prob(z)).mean()
    assert objectives.gaussian_kl(mu, logvar).item() == pytest.approx(mc.item(), abs=0.01)


def test_bernoulli_reconstruction_is_summed_nll():
    x = torch.tensor([[[[1.0, 0.0]]]])
    logits = torch.tensor([[[[0.0, 0.0]]]])
    assert objectives.bernoulli_reconstruction(logits, x).item() == pytest.approx(2 * math.log(2))
    with pytest.raises(ValueError, match="same shape"):
        objectives.bernoulli_reconstruction(torch.zeros(1, 1, 2, 2), torch.zeros(1, 1, 2, 3))


def test_elbo_terms_and_reparameterize():
    torch.manual_seed(0)
    x = (torch.rand(4, 1, 64, 64) < 0.1).float()
    logits, mu, logvar = torch.randn(4, 1, 64, 64), torch.randn(4, 3), torch.randn(4, 3)
    t = objectives.elbo_terms(logits, x, mu, logvar)
    assert torch.isclose(t["elbo"], -(t["recon"] + t["kl"]))
    assert torch.isclose(t["kl_per_dim"].sum(), t["kl"])
    z = objectives.reparameterize(mu.requires_grad_(), logvar.requires_grad_())
    z.sum().backward()
    assert mu.grad is not None and logvar.grad is not None
    with pytest.raises(ValueError):
        objectives.reparameterize(torch.zeros(2, 3), torch.zeros(2, 4))


def test_pixel_mean_sets_the_output_bias_and_is_checked():
    import math

    from advdis_lessons.models import PIXEL_MEAN, build_model
    default = build_model({"width": "narrow"})
    assert torch.allclose(default.decoder.out.bias, torch.tensor(math.log(PIXEL_MEAN / (1 - PIXEL_MEAN))))
    assert torch.all(build_model({"width": "narrow", "pixel_mean": 0.5}).decoder.out.bias == 0)
    with pytest.raises(ValueError, match="pixel_mean must be a probability strictly between 0 and 1, got 1.5"):
        build_model({"pixel_mean": 1.5})


def test_reading_a_model_restores_its_mode_even_on_an_error():
    from advdis_lessons.metrics import swaps
    from advdis_lessons.models.modes import evaluating

    model = models.ConvVAE(z_dim=4, width="narrow")
    for mode in (True, False):
        model.train(mode)
        with pytest.raises(RuntimeError, match="inside"), evaluating(model):
            assert not model.training
            raise RuntimeError("an error inside the block")
        assert model.training is mode
        model.embed(torch.zeros(2, 1, 64, 64))
        swaps.swap_latents(model, torch.zeros(2, 1, 64, 64), torch.zeros(2, 1, 64, 64), [0])
        assert model.training is mode
