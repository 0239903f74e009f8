"""Networks: the conv VAE (``vae``), discriminators and adversaries (``adversaries``, ``adversary_pool``),
lesson 06's swap judge (``swap_judge``), priors and their discriminator (``priors``), and lesson 05's 2-D toy
(``toy``)."""
from advdis_lessons.models.adversaries import AttributeAdversary, GradientReversal, TCDiscriminator, grad_reverse
from advdis_lessons.models.priors import PriorDiscriminator, make_prior
from advdis_lessons.models.vae import (
           PIXEL_MEAN,
           WIDTHS,
           ConvDecoder,
           ConvEncoder,
           ConvVAE,
           build_model,
           mlp,
           num_parameters,
)

__all__ = ["PIXEL_MEAN", "WIDTHS", "AttributeAdversary", "ConvDecoder", "ConvEncoder", "ConvVAE", "GradientReversal",
           "PriorDiscriminator", "TCDiscriminator", "build_model", "grad_reverse", "make_prior", "mlp", "num_parameters"]
