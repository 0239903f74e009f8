"""Loss terms: the ELBO (``elbo``), beta/capacity losses and total-correlation estimators (``tc``), the
adversarial terms of lessons 06-07 (``adversarial``), the class-conditional prior (``class_prior``), the MMD
independence penalty (``independence``) and the swap-consistency loss (``swap_cycle``)."""
from advdis_lessons.losses.elbo import bernoulli_reconstruction, elbo_scalars, elbo_terms, gaussian_kl, reparameterize
from advdis_lessons.losses.tc import (
                                      annealed_capacity_loss,
                                      beta_vae_loss,
                                      capacity_schedule,
                                      gaussian_total_correlation,
                                      mss_total_correlation,
                                      permute_dims,
                                      tc_from_logits,
)

__all__ = ["annealed_capacity_loss", "bernoulli_reconstruction", "beta_vae_loss", "capacity_schedule", "elbo_scalars",
           "elbo_terms", "gaussian_kl", "gaussian_total_correlation", "mss_total_correlation", "permute_dims",
           "reparameterize", "tc_from_logits"]
