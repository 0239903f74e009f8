"""Supervised adversaries (lesson 06): put a labelled factor in z_s and keep it out of z_u.

The latent code is split into ``z_s`` (``s_dims``, meant for the labelled factor, e.g. shape) and
``z_u`` (all other dims). An auxiliary classifier on z_s must predict the label; an adversary on z_u
tries to predict it too, and the encoder is trained to defeat the adversary. Each :meth:`step`:

(a) **adversary update** (:meth:`AdversarialVAE.adversary_step`): cross-entropy of the adversary on
    the *detached* encoder means of the labelled images; only the adversary's optimiser steps, and
    no gradient can reach the encoder or the classifier.
(b) **model update** (:meth:`AdversarialVAE.model_step`): recon + beta * KL + aux_weight * CE of the
    classifier on z_s + lam(t) * (adversarial term), with the adversary frozen
    (``requires_grad_(False)``): gradients flow *through* it to the encoder, none land on its weights.

The adversarial term, by ``style`` (:mod:`~advdis_lessons.losses.adversarial`): ``"grl"`` (gradient
reversal; here the adversary is frozen in (b) and learns only in (a), so the encoder gets exactly the
gradient of -lam * CE and the two players' updates stay separate), ``"flip"`` (Fader networks: CE
towards flipped labels) or ``"maxent"`` (push the adversary's prediction towards uniform).

By default the adversary reads encoder *means* (the representation the swaps use, and a stricter target
than noisy samples); with ``adv_codes="sample"`` it reads the sampled z_u, which is all the decoder ever
receives. Either is z-scored over the batch when ``adv_standardize`` is set (as the post-hoc probe
z-scores its inputs, so shrinking the codes cannot hide the label). The classifier reads the sampled z_s.
lam(t) ramps linearly from 0 to ``lam`` over ``lam_ramp_steps`` updates, as in Fader networks, so the
adversary has learnt something before the encoder starts fighting it.

Labels may exist for a fraction of the images only (:func:`labelled_mask`); label terms average
over the labelled images of a batch and are skipped (their scalars omitted, NaN in the history)
when a batch has none.
"""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F

from advdis_lessons.data.dsprites import FACTOR_NAMES, FACTOR_SIZES
from advdis_lessons.data.labels import check_fraction, flipped_labels, labelled_mask
from advdis_lessons.losses.adversarial import CODES, STYLES, batch_standardize, check_choice, encoder_adversarial_term
from advdis_lessons.losses.class_prior import check_prior, class_means, class_weights, expected_kl
from advdis_lessons.losses.elbo import elbo_scalars, elbo_terms
from advdis_lessons.losses.independence import label_mmd
from advdis_lessons.losses.swap_cycle import swap_cycle_terms
from advdis_lessons.losses.tc import capacity_schedule
from advdis_lessons.metrics.swaps import pixel_iou, swap_iou, swap_latents, swap_targets
from advdis_lessons.models.adversaries import AttributeAdversary, check_dims
from advdis_lessons.models.adversary_pool import AdversaryPool, reset_in_turn
from advdis_lessons.training import Method, adam, optimizer_step, repeat_update

__all__ = ["STYLES", "AdversarialVAE", "SupervisedAdversary", "encoder_adversarial_term", "flipped_labels",
           "labelled_mask", "pixel_iou", "swap_iou", "swap_latents", "swap_targets"]


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

    def extra_loss(self, mu: torch.Tensor, y: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor | None, dict]:
        """A subclass's further terms of the model update (None: none), and their scalars for the history."""
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
                extra, scalars = self.extra_loss(mu, y, mask)
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


class SupervisedAdversary(AdversarialVAE):
    """Lesson 06: classifier on z_s = ``s_dims``, adversary on z_u = the other dims.

    Args:
        model: a VAE with ``z_dim`` (e.g. ``ConvVAE``).
        factor: the labelled factor, one of ``data.FACTOR_NAMES``.
        s_dims: the latent dims reserved for it (the rest form z_u).
        style: ``"grl"``, ``"flip"`` or ``"maxent"`` (see the module docstring).
        label_fraction: share of images with a label, in (0, 1] (see :func:`labelled_mask`).
        lam, lam_ramp_steps: final adversarial weight, reached linearly from 0 after this many updates.
        beta: KL weight. aux_weight: weight of the classifier's cross-entropy.
            The reconstruction term is 100+ nats per image and the cross-entropies about 1 nat, hence
            the defaults lam = 10 and aux_weight = 20 (with lam up to 10 all three styles trained stably).
        s_beta: KL weight on the z_s dims only (default: beta). A larger one makes z_s an expensive place
            for anything the classifier does not ask for. With the standard prior and no s_beta, z_s kept
            *scale*, so a swap of z_s swapped size too (docs/RESULTS.md, "Supervised adversaries against their
            targets").
        s_prior: ``"standard"`` N(0, I) for z_s, or ``"class"``: N(m_y, s_prior_std^2 I) around a fixed
            centre per class (:mod:`~advdis_lessons.losses.class_prior`), so that with a large s_beta the label
            stays free in z_s and only what z_s says beyond it is taxed. Unlabelled images weigh the
            class priors by the classifier's (detached) beliefs.
        s_prior_std, s_prior_radius: the class priors' spread and the radius of their centres.
        adv_codes: ``"mean"`` (default) or ``"sample"``: what of z_u the adversary reads (module docstring).
        adv_standardize: let the adversary read z_u z-scored over each batch (see the module docstring).
        n_adversaries, adv_reset_every: a pool of adversaries (:mod:`~advdis_lessons.models.adversary_pool`), the
            encoder fighting their average; every ``adv_reset_every`` updates (0: never) one is re-initialised.
        swap_weight: weight of the swap-consistency loss (:mod:`~advdis_lessons.losses.swap_cycle`) on the labelled
            images: decode z_u of A with z_s of B, encode again, ask for A's z_u and B's label (weight aux_weight).
        mmd_weight: weight of a non-adversarial penalty on z_u's dependence on the label
            (:func:`~advdis_lessons.losses.independence.label_mmd` on the means, z-scored if ``adv_standardize``).
        lr, d_lr: Adam learning rates of the VAE + classifier and of the adversary.
        d_steps_per_step: adversary updates per step (on the same detached codes).
        hidden: hidden widths of the adversary and the classifier.
        label_seed: seed of the labelled-image table.
    """

    name = "supervised_adversary"

    def __init__(self, model: torch.nn.Module, factor: str = "shape", s_dims: Sequence[int] = (0, 1),
                 style: str = "grl", label_fraction: float = 1.0, lam: float = 10.0, lam_ramp_steps: int = 300,
                 beta: float = 1.0, aux_weight: float = 20.0, lr: float = 5e-4, d_lr: float = 5e-4,
                 d_steps_per_step: int = 1, hidden: Sequence[int] = (256, 256), label_seed: int = 0,
                 s_beta: float | None = None, s_prior: str = "standard", s_prior_std: float = 0.5,
                 s_prior_radius: float = 2.0, mmd_weight: float = 0.0, adv_standardize: bool = False,
                 n_adversaries: int = 1, adv_reset_every: int = 0, swap_weight: float = 0.0,
                 adv_codes: str = "mean", device: torch.device | str | None = None):
        check_prior(s_prior, s_prior_std, s_prior_radius)
        z_dim = getattr(model, "z_dim", None)
        if not isinstance(z_dim, int):
            raise ValueError(f"model must have an integer z_dim attribute (like ConvVAE), got {z_dim!r}")
        s = check_dims(s_dims, z_dim, "s_dims")
        u_dims = [d for d in range(z_dim) if d not in s]
        if not u_dims:
            raise ValueError(f"s_dims {list(s)} take all {z_dim} latent dims; leave at least one for z_u")
        self.s_dims, self.u_dims = list(s), u_dims
        super().__init__(model, factor=factor, adv_dims=u_dims, cls_dims=s, style=style, lam=lam,
                         lam_ramp_steps=lam_ramp_steps, beta=beta, aux_weight=aux_weight, lr=lr, d_lr=d_lr,
                         d_steps_per_step=d_steps_per_step, hidden=hidden, label_fraction=label_fraction,
                         label_seed=label_seed, device=device, s_beta=s_beta, mmd_weight=mmd_weight,
                         adv_standardize=adv_standardize, n_adversaries=n_adversaries,
                         adv_reset_every=adv_reset_every, adv_codes=adv_codes)
        if swap_weight < 0:
            raise ValueError(f"swap_weight must be >= 0, got {swap_weight}")
        self.s_prior, self.s_prior_std, self.swap_weight = s_prior, float(s_prior_std), float(swap_weight)
        self.s_means = class_means(self.n_classes, len(self.s_dims), float(s_prior_radius)).to(self.device)

    def kl_term(self, terms: dict[str, torch.Tensor], mu: torch.Tensor, logvar: torch.Tensor, z: torch.Tensor,
                y: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """As the base class for the standard prior; with the class prior, z_s's KL is to its class's centre."""
        if self.s_prior == "standard":
            return super().kl_term(terms, mu, logvar, z, y, mask)
        s, u = self.s_dims, self.u_dims
        weights = class_weights(y, mask, self.n_classes, lambda: self.classifier(z))
        kl_s = expected_kl(mu[:, s], logvar[:, s], self.s_means, self.s_prior_std, weights)
        return (self.kl_weights[u] * terms["kl_per_dim"][u]).sum() + self.kl_weights[s[0]] * kl_s

    def extra_loss(self, mu: torch.Tensor, y: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor | None, dict]:
        """The swap-consistency terms when ``swap_weight`` > 0 and the batch has 2+ labelled images."""
        if self.swap_weight == 0 or int(mask.sum()) < 2:
            return None, {}
        cycle, label = swap_cycle_terms(self.model, self.classifier, mu[mask], y[mask], self.s_dims, self.u_dims)
        return self.swap_weight * cycle + self.aux_weight * label, {"swap_cycle": cycle.item(), "swap_ce": label.item()}
