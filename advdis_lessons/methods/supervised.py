"""Supervised adversaries (lesson 06): put a labelled factor in z_s and keep it out of z_u.

The latent code is split into ``z_s`` (``s_dims``, meant for the labelled factor, e.g. shape) and
``z_u`` (all other dims). An auxiliary classifier on z_s must predict the label; an adversary on z_u
tries to predict it too, and the encoder is trained to defeat the adversary, in the two-phase step of
:class:`~advdis_lessons.methods.adversarial_vae.AdversarialVAE` (adversary on detached codes; model update with the
adversary frozen). Optional further terms: a class prior on z_s, a swap-consistency loss, and a swap judge
(:mod:`~advdis_lessons.models.swap_judge`) that asks decoded swaps to look like the donor's shape.
"""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F

from advdis_lessons.data.labels import flipped_labels, labelled_mask
from advdis_lessons.losses.adversarial import CODES, STYLES, check_choice, encoder_adversarial_term
from advdis_lessons.losses.class_prior import check_prior, class_means, class_weights, expected_kl
from advdis_lessons.losses.swap_cycle import decoded_swaps, swap_cycle_terms
from advdis_lessons.methods.adversarial_vae import AdversarialVAE
from advdis_lessons.metrics.swaps import pixel_iou, swap_iou, swap_latents, swap_targets
from advdis_lessons.models.adversaries import check_dims
from advdis_lessons.models.swap_judge import SwapJudge, frozen_ce
from advdis_lessons.training import adam, optimizer_step

__all__ = ["STYLES", "AdversarialVAE", "SupervisedAdversary", "encoder_adversarial_term", "flipped_labels",
           "labelled_mask", "pixel_iou", "swap_iou", "swap_latents", "swap_targets"]


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
        judge_weight, judge_pairs, judge_lr: the swap judge (0: none; :mod:`~advdis_lessons.models.swap_judge`).
            The model pays judge_weight x the judge's cross-entropy against B's label of the decoded swaps (A's
            z_u, B's z_s, codes as ``judge_codes`` says, shapes differ) among the first ``judge_pairs`` labelled
            images, the judge frozen; then the judge learns (Adam ``judge_lr``, betas (0.5, 0.9)) those images by
            shape and the same swaps, detached, as *swap*.
        judge_codes: what the judged swaps are decoded from: ``"mean"`` (default), the encoder means, or
            ``"sample"``, the sampled codes the reconstruction term decodes too. From means, a decoder can tell judged
            swaps from reconstructions by the noise of near-collapsed dims and serve each its own drawing
            (docs/RESULTS.md, "Swaps that show the donor's shape").
        judge_detach: detach those codes, so that the judge's gradient teaches the decoder alone (default False: it
            reaches the encoder too).
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
                 adv_codes: str = "mean", judge_weight: float = 0.0, judge_pairs: int = 32, judge_lr: float = 2e-4,
                 judge_codes: str = "mean", judge_detach: bool = False, device: torch.device | str | None = None):
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
        for name, value in (("swap_weight", swap_weight), ("judge_weight", judge_weight)):
            if value < 0:
                raise ValueError(f"{name} must be >= 0, got {value}")
        if not judge_lr > 0:
            raise ValueError(f"judge_lr must be > 0, got {judge_lr}")
        if isinstance(judge_pairs, bool) or not isinstance(judge_pairs, int) or judge_pairs < 2:
            raise ValueError(f"judge_pairs must be an integer >= 2, got {judge_pairs!r}")
        self.judge_codes = check_choice(judge_codes, CODES, "judge_codes")
        if not isinstance(judge_detach, bool):
            raise ValueError(f"judge_detach must be True or False, got {judge_detach!r}")
        self.judge_detach = judge_detach
        self.judge_weight, self.judge_pairs, self._judged = float(judge_weight), judge_pairs, None
        self.judge = SwapJudge(self.n_classes).to(self.device) if judge_weight > 0 else None
        if self.judge is not None:
            self.optimizers["judge"] = adam(self.judge.parameters(), judge_lr, (0.5, 0.9), "judge")
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

    def modules(self) -> dict[str, torch.nn.Module]:
        return super().modules() if self.judge is None else {**super().modules(), "judge": self.judge}

    def step(self, batch: tuple[torch.Tensor, ...]) -> dict[str, float]:
        """The two-phase step, then (with a judge) the judge's update on the swaps the model step decoded."""
        self._judged = None
        out = super().step(batch)
        if self._judged is not None:
            mask, y, swaps = self._judged
            out.update(self.judge_step(batch[0][mask][:self.judge_pairs], y, swaps))
            self._judged = None
        return out

    def judge_step(self, real: torch.Tensor, y: torch.Tensor, swaps: torch.Tensor) -> dict[str, float]:
        """One judge update: ``real`` images by their labels ``y``, detached decoded ``swaps`` as class *swap*."""
        fake = torch.full((len(swaps),), self.judge.fake, dtype=y.dtype, device=y.device)
        logits = self.judge(torch.cat([real, swaps.to(real.dtype)])).float()
        targets = torch.cat([y, fake])
        loss = F.cross_entropy(logits, targets)
        out = {"judge_loss": loss.item(), "judge_acc": (logits.argmax(1) == targets).float().mean().item()}
        optimizer_step(self.optimizers["judge"], loss)
        return out

    def extra_loss(self, mu: torch.Tensor, z: torch.Tensor, y: torch.Tensor,
                   mask: torch.Tensor) -> tuple[torch.Tensor | None, dict]:
        """The swap-consistency and swap-judge terms (when their weights are > 0 and 2+ images are labelled)."""
        if int(mask.sum()) < 2 or (self.swap_weight == 0 and self.judge is None):
            return None, {}
        total, scalars = torch.zeros((), device=mu.device), {}
        if self.swap_weight > 0:
            cycle, label = swap_cycle_terms(self.model, self.classifier, mu[mask], y[mask], self.s_dims, self.u_dims)
            total = total + self.swap_weight * cycle + self.aux_weight * label
            scalars.update(swap_cycle=cycle.item(), swap_ce=label.item())
        if self.judge is not None:
            n = self.judge_pairs
            codes, labels = (mu if self.judge_codes == "mean" else z)[mask][:n], y[mask][:n]
            codes = codes.detach() if self.judge_detach else codes
            swaps, targets = decoded_swaps(self.model, codes, labels, self.s_dims)
            if len(swaps):
                self._judged = (mask, labels, swaps.detach())  # for the judge's update after this one
                judged = frozen_ce(self.judge, swaps, targets)
                total = total + self.judge_weight * judged
                scalars["swap_judge"] = judged.item()
        return total, scalars
