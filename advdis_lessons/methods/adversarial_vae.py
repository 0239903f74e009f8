"""The two-phase adversarial VAE shared by lessons 06 and 07: an adversary on some latent dims, fought by the encoder.

Each :meth:`AdversarialVAE.step`:

(a) **adversary update** (:meth:`AdversarialVAE.adversary_step`): cross-entropy of the adversary on
    the *detached* encoder codes of the labelled images; only the adversary's optimiser steps, and
    no gradient can reach the encoder or the classifier.
(b) **model update** (:meth:`AdversarialVAE.model_step`): recon + beta * KL (+ aux_weight * CE of an
    optional classifier) + lam(t) * (adversarial term), with the adversary frozen
    (``requires_grad_(False)``): gradients flow *through* it to the encoder, none land on its weights.

The adversarial term, by ``style`` (:mod:`~advdis_lessons.losses.adversarial`): ``"grl"`` (gradient
reversal; here the adversary is frozen in (b) and learns only in (a), so the encoder gets exactly the
gradient of -lam * CE and the two players' updates stay separate), ``"flip"`` (Fader networks: CE
towards flipped labels) or ``"maxent"`` (push the adversary's prediction towards uniform).

By default the adversary reads encoder *means* (the representation the swaps use, and a stricter target
than noisy samples); with ``adv_codes="sample"`` it reads the sampled codes, which are all the decoder ever
receives. Either is z-scored over the batch when ``adv_standardize`` is set (as the post-hoc probe
z-scores its inputs, so shrinking the codes cannot hide the label). The classifier reads the sampled codes.
lam(t) ramps linearly from 0 to ``lam`` over ``lam_ramp_steps`` updates, as in Fader networks, so the
adversary has learnt something before the encoder starts fighting it.

Labels may exist for a fraction of the images only (:func:`~advdis_lessons.data.labels.labelled_mask`); label
terms average over the labelled images of a batch and are skipped (their scalars omitted, NaN in the history)
when a batch has none.
"""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F

from advdis_lessons.data.dsprites import FACTOR_NAMES, FACTOR_SIZES
from advdis_lessons.data.labels import check_fraction, labelled_mask
from advdis_lessons.losses.adversarial import CODES, STYLES, batch_standardize, check_choice, encoder_adversarial_term
from advdis_lessons.losses.elbo import elbo_scalars, elbo_terms
from advdis_lessons.losses.independence import label_mmd
from advdis_lessons.losses.tc import capacity_schedule
from advdis_lessons.models.adversaries import AttributeAdversary
from advdis_lessons.models.adversary_pool import AdversaryPool, reset_in_turn
from advdis_lessons.training import Method, adam, optimizer_step, repeat_update

__all__ = ["AdversarialVAE"]


class AdversarialVAE(Method):
    """A VAE plus an attribute adversary on ``adv_dims`` (and optionally a classifier on ``cls_dims``).

    The shared machinery of :class:`SupervisedAdversary` and
    :class:`~advdis_lessons.methods.MaskingAdversary`; see the module docstring for the two phases.
    Optimisers: ``"vae"`` (model and classifier, Adam ``lr``) and ``"adversary"`` (Adam ``d_lr``,
    betas (0.5, 0.9) as for the FactorVAE discriminator).
    """

    def __init__(self, model: torch.nn.Module, *, factor: str, adv_dims: Sequence[int],
                 cls_dims: Sequence[int] | None, style: str, lam: float, lam_ramp_steps: int, beta: float,
                 aux_weight: float, lr: float, d_lr: float, d_steps_per_step: int, hidden: Sequence[int],
                 label_fraction: float, label_seed: int, device: torch.device | str | None,
                 s_beta: float | None = None, mmd_weight: float = 0.0, adv_standardize: bool = False,
                 n_adversaries: int = 1, adv_reset_every: int = 0, adv_codes: str = "mean"):
        super().__init__(model, device)
        z_dim = getattr(model, "z_dim", None)
        if not isinstance(z_dim, int):
            raise ValueError(f"model must have an integer z_dim attribute (like ConvVAE), got {z_dim!r}")
        self.factor = check_choice(factor, FACTOR_NAMES, "factor")
        self.style = check_choice(style, STYLES, "style")
        self.adv_codes = check_choice(adv_codes, CODES, "adv_codes")
        if lam < 0 or beta < 0 or aux_weight < 0 or lam_ramp_steps < 0:
            raise ValueError(f"lam, beta, aux_weight and lam_ramp_steps must be >= 0, got lam={lam}, "
                             f"beta={beta}, aux_weight={aux_weight}, lam_ramp_steps={lam_ramp_steps}")
        for name, value, low in (("d_steps_per_step", d_steps_per_step, 1), ("n_adversaries", n_adversaries, 1),
                                 ("adv_reset_every", adv_reset_every, 0)):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
        self.factor_index = FACTOR_NAMES.index(self.factor)
        self.n_classes = FACTOR_SIZES[self.factor_index]
        self.lam, self.lam_ramp_steps = float(lam), int(lam_ramp_steps)
        self.beta, self.aux_weight, self.d_steps = float(beta), float(aux_weight), d_steps_per_step
        if s_beta is not None and (s_beta < 0 or cls_dims is None):
            raise ValueError(f"s_beta must be >= 0 and needs classifier dims, got s_beta={s_beta}, cls_dims={cls_dims}")
        # KL weight per latent dim: beta everywhere, s_beta on the classifier's dims (z_s) when given
        self.kl_weights = torch.full((z_dim,), self.beta, device=self.device)
        if s_beta is not None:
            self.kl_weights[list(cls_dims)] = float(s_beta)
        if mmd_weight < 0:
            raise ValueError(f"mmd_weight must be >= 0, got {mmd_weight}")
        self.mmd_weight, self.adv_standardize = float(mmd_weight), bool(adv_standardize)
        self.label_fraction, self.label_seed = check_fraction(label_fraction), int(label_seed)
        self.steps_done, self.adv_reset_every = 0, adv_reset_every
        hidden = tuple(int(h) for h in hidden)
        self.adversary = (AttributeAdversary(adv_dims, self.n_classes, z_dim, hidden) if n_adversaries == 1 else
                          AdversaryPool(adv_dims, self.n_classes, z_dim, hidden, k=n_adversaries)).to(self.device)
        self.classifier = (AttributeAdversary(cls_dims, self.n_classes, z_dim, hidden).to(self.device)
                           if cls_dims is not None else None)
        vae_params = list(self.model.parameters()) + ([] if self.classifier is None else
                                                      list(self.classifier.parameters()))
        self.optimizers["vae"] = adam(vae_params, lr, (0.9, 0.999), "VAE")
        self.optimizers["adversary"] = adam(self.adversary.parameters(), d_lr, (0.5, 0.9), "adversary")

    def modules(self) -> dict[str, torch.nn.Module]:
        out = {"model": self.model, "adversary": self.adversary}
        return out if self.classifier is None else {**out, "classifier": self.classifier}

    def current_lam(self) -> float:
        """lam(t) for the next update: lam * min(1, t / lam_ramp_steps) (the linear ramp of ``capacity_schedule``)."""
        return capacity_schedule(self.steps_done, self.lam, self.lam_ramp_steps)

    def labels(self, factors: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(label of every image, bool mask of the labelled ones) for a batch of factor classes."""
        return factors[:, self.factor_index].long(), labelled_mask(factors, self.label_fraction, self.label_seed)

    def adversary_codes(self, mu: torch.Tensor, z: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """The labelled rows of what the adversary reads (``mu`` or the sample ``z``), z-scored if asked."""
        codes = mu if self.adv_codes == "mean" else z
        return (batch_standardize(codes) if self.adv_standardize else codes)[mask]

    def adversary_labels(self, y: torch.Tensor) -> torch.Tensor:
        """Labels for the adversary's logits: ``y``, repeated once per member of an :class:`AdversaryPool`."""
        return self.adversary.repeat(y) if isinstance(self.adversary, AdversaryPool) else y

    def maybe_reset_adversary(self) -> None:
        """Every ``adv_reset_every`` updates, re-initialise the pool's members in turn (a lone adversary too)."""
        reset_in_turn(self.adversary, self.optimizers["adversary"], self.steps_done, self.adv_reset_every)

    def adversary_step(self, codes: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
        """``d_steps_per_step`` adversary updates on ``codes.detach()``; adv_loss/adv_acc before the first."""
        codes, y = codes.detach(), self.adversary_labels(y)

        def update() -> dict[str, float]:
            logits = self.adversary(codes)
            loss = F.cross_entropy(logits.float(), y)
            out = {"adv_loss": loss.item(), "adv_acc": (logits.argmax(1) == y).float().mean().item()}
            optimizer_step(self.optimizers["adversary"], loss)
            return out

        return repeat_update(self.d_steps, update)

    def kl_term(self, terms: dict[str, torch.Tensor], mu: torch.Tensor, logvar: torch.Tensor, z: torch.Tensor,
                y: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """The weighted KL of the model update: ``kl_weights`` (beta, or s_beta on z_s) times each dim's KL."""
        return (self.kl_weights * terms["kl_per_dim"]).sum()

    def extra_loss(self, mu: torch.Tensor, z: torch.Tensor, y: torch.Tensor,
                   mask: torch.Tensor) -> tuple[torch.Tensor | None, dict]:
        """A subclass's further terms of the model update (None: none), and their scalars for the history.

        ``mu`` and ``z`` are the encoder means and the sampled codes, both still attached to the encoder's graph."""
        return None, {}

    def model_step(self, x: torch.Tensor, forward: tuple[torch.Tensor, ...], y: torch.Tensor,
                   mask: torch.Tensor) -> dict[str, float]:
        """One update of encoder, decoder and classifier, with the adversary frozen.

        ``forward`` is ``model(x)`` = (logits, mu, logvar, z). The reported ``loss`` is the objective
        the encoder minimises (for ``"grl"`` it contains -lam * CE).
        """
        logits, mu, logvar, z = forward
        lam = self.current_lam()
        terms = elbo_terms(logits, x, mu, logvar)
        weighted_kl = self.kl_term(terms, mu, logvar, z, y, mask)
        loss = terms["recon"] + weighted_kl
        value = loss.item()
        out: dict[str, float] = {}
        self.adversary.requires_grad_(False)
        try:
            if mask.any():
                if self.classifier is not None:
                    aux_logits = self.classifier(z[mask]).float()
                    aux = F.cross_entropy(aux_logits, y[mask])
                    loss = loss + self.aux_weight * aux
                    value += self.aux_weight * aux.item()
                    out.update(aux_loss=aux.item(), aux_acc=(aux_logits.argmax(1) == y[mask]).float().mean().item())
                codes = self.adversary_codes(mu, z, mask)
                term, term_value = encoder_adversarial_term(self.adversary, codes, self.adversary_labels(y[mask]),
                                                            self.style, lam)
                loss, value = loss + term, value + term_value
                if self.mmd_weight > 0:  # non-adversarial: codes of each label vs all codes, as the adversary sees them
                    mmd = label_mmd(codes[:, self.adversary.dims], y[mask], self.n_classes)
                    loss, value = loss + self.mmd_weight * mmd, value + self.mmd_weight * mmd.item()
                    out["mmd"] = mmd.item()
                extra, scalars = self.extra_loss(mu, z, y, mask)
                if extra is not None:
                    loss, value = loss + extra, value + extra.item()
                    out.update(scalars)
            optimizer_step(self.optimizers["vae"], loss)
        finally:
            self.adversary.requires_grad_(True)
        scalars = elbo_scalars(terms["recon"] + weighted_kl.detach(), terms)
        scalars["loss"] = value
        return {**scalars, **out, "lam": lam}

    def step(self, batch: tuple[torch.Tensor, ...]) -> dict[str, float]:
        if len(batch) < 2:
            raise ValueError("this method needs (images, factors) batches, as DSprites.batches yields")
        x, factors = batch[0], batch[1]
        y, mask = self.labels(factors)
        forward = self.model(x)
        out: dict[str, float] = {}
        self.maybe_reset_adversary()
        if mask.any():  # (a) first: it sees codes of the current encoder, before (b) changes it
            out.update(self.adversary_step(self.adversary_codes(forward[1].detach(), forward[3].detach(), mask),
                                           y[mask]))
        out.update(self.model_step(x, forward, y, mask))
        out["labelled"] = mask.float().mean().item()
        self.steps_done += 1
        return out
