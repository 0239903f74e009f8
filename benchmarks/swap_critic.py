"""An experiment for lesson 06's open question 9: show the decoder swapped codes, scored by a shape critic.

    python benchmarks/swap_critic.py /tmp/models/supervised_flip_wide_z_dim_10_beta_1_seed0.pt --steps 2500 --weight 20

The decoder of a split-latent model is only ever trained on codes whose z_u and z_s come from one image, and its swaps
towards a heart fail (``benchmarks/swap_breakdown.py``). Without the renderer there is no target image for a swap, so
this fine-tunes a trained model (kept with ``supervised_quality.py --save``) with one more term, in the spirit of
AttGAN's attribute-classification constraint (He et al. 2019): a small CNN *critic*, trained on real labelled images
only (its own Adam, one update per step), classifies each decoded swap (A's z_u means, B's z_s means, shapes differ)
and the model update adds ``weight`` x its cross-entropy against B's label, with the critic frozen. Everything else is
the model's own two-phase step.

Printed at the end: held-out reconstruction, the swap readings of ``swap_shape_accuracy`` (plain and strict) and the
leakage and IoU of ``supervised_quality``. A critic can be fooled: its cross-entropy on swaps (``sc`` on the progress
bar) falling far below what the template reader finds means the decoder learnt features the critic reads, not shapes.
"""
from __future__ import annotations

import argparse

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from advdis_lessons import checkpoints, config
from advdis_lessons.data import DSprites
from advdis_lessons.metrics import heldout_terms, swap_shape_accuracy
from advdis_lessons.metrics.split_quality import supervised_quality
from advdis_lessons.training import adam, optimizer_step


def shape_critic(n_classes: int = 3) -> nn.Module:
    """Four stride-2 convolutions and an MLP head: 64x64 pixel probabilities -> shape logits."""
    convs = [nn.Conv2d(1, 32, 4, 2, 1), nn.ReLU(), nn.Conv2d(32, 32, 4, 2, 1), nn.ReLU(),
             nn.Conv2d(32, 64, 4, 2, 1), nn.ReLU(), nn.Conv2d(64, 64, 4, 2, 1), nn.ReLU()]
    return nn.Sequential(*convs, nn.Flatten(), nn.Linear(64 * 16, 128), nn.ReLU(), nn.Linear(128, n_classes))


def add_swap_critic(method, critic: nn.Module, weight: float) -> None:
    """Wrap ``method.extra_loss`` so the model update also pays ``weight`` x the critic's CE on decoded swaps."""
    base_extra, model, s_dims = method.extra_loss, method.model, list(method.s_dims)

    def extra_loss(mu: torch.Tensor, y: torch.Tensor, mask: torch.Tensor):
        base, scalars = base_extra(mu, y, mask)
        codes, labels = mu[mask], y[mask]
        partner = torch.roll(torch.arange(len(codes), device=codes.device), 1)
        differ = labels[partner] != labels
        if not differ.any():
            return base, scalars
        swapped = codes.clone()
        swapped[:, s_dims] = codes[partner][:, s_dims]
        critic.requires_grad_(False)  # the model's loss must not train the critic
        try:
            ce = F.cross_entropy(critic(torch.sigmoid(model.decode(swapped[differ]))), labels[partner][differ])
        finally:
            critic.requires_grad_(True)
        term = weight * ce
        return (term if base is None else base + term), {**scalars, "swap_critic": ce.item()}

    method.extra_loss = extra_loss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="a kept split-latent model (.pt with its sidecar)")
    parser.add_argument("--steps", type=int, default=2500)
    parser.add_argument("--weight", type=float, default=20.0)
    parser.add_argument("--critic-steps", type=int, default=600, help="critic updates on real images first")
    args = parser.parse_args()
    config.set_threads()
    config.seed_everything(0)
    method, _ = checkpoints.load(args.model, device="cpu")
    critic = shape_critic().to(method.device)
    critic_opt = adam(critic.parameters(), 1e-3, (0.9, 0.999), "critic")
    stream = iter(DSprites().batches(batch_size=64, seed=123))

    def critic_update(batch) -> float:
        x, y = batch[0].to(method.device), batch[1][:, 0].long().to(method.device)
        loss = F.cross_entropy(critic(x), y)
        optimizer_step(critic_opt, loss)
        return loss.item()

    for _ in tqdm(range(args.critic_steps), desc="critic on real images"):
        critic_update(next(stream))
    add_swap_critic(method, critic, args.weight)
    method.train(True)
    bar = tqdm(range(args.steps), desc="fine-tune with the swap critic")
    for i in bar:
        batch = next(stream)
        critic_update(batch)
        out = method.step(batch)
        if i % 50 == 0:
            bar.set_postfix(recon=round(out["recon"], 1), sc=round(out.get("swap_critic", float("nan")), 3))
    method.train(False)
    data = DSprites()
    print(f"held-out recon {heldout_terms(method.model)['recon']:.1f} nats")
    print(swap_shape_accuracy(method.model, data, method.s_dims))
    q = supervised_quality(method.model, data, method.s_dims, "shape")
    print({k: q[k] for k in ("leak_u_mean", "leak_u_sample", "leak_chance", "swap_iou", "swap_unchanged")})


if __name__ == "__main__":
    main()
