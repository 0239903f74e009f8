"""Where lesson 06's shape swaps fail: each swap read against the renderer, by (A's shape -> B's shape).

    python benchmarks/swap_breakdown.py supervised_long                       # a shipped model
    python benchmarks/swap_breakdown.py /tmp/models/supervised_flip_wide_z_dim_10_beta_1_seed0.pt   # a kept one

For 600 pairs whose shapes differ (seeded), the swap (A's z_u means, B's z_s means) is read plainly and strictly
(``read_both``: templates of every shape, scale and orientation at A's position; strictly, a drawing that a disc
fits as well is a round blob). Printed: how often it reads as B's shape, as A's own shape, and as a blob, in all and
for each of the six (A, B) shape pairs; then the same readings when the swap is decoded

* with the collapsed z_u dims (held-out KL <= 0.1 nats) set to their prior mean 0,
* with z_u *sampled* from q(z|A) (what the decoder saw in training) instead of its means,
* with z_s set to the centre of B's class prior (when the model has one) instead of B's code.

Then the renderer's counterfactual: C is A redrawn with B's shape (every other factor A's). C's reconstruction reads
as B when the decoder can draw that shape there; (A's z_u, C's z_s) is the swap with a donor that differs from A in
shape alone; (C's z_u, A's z_s) reads as B when the decoder takes the shape from z_u. How far z_u's means move from A
to C, per z_u dim in units of that dim's spread over the 600 images, says how much of the shape z_u holds pair by
pair (:mod:`advdis_lessons.metrics.counterfactual`).

Then A's own reconstruction cost decoded from its means and from a sample of q(z|A): a decoder that draws only from
noisy codes (or only from means) shows it there. Last, from the training history: the swap judge's cross-entropy on
the swaps (if the model had a judge) and the classifier's accuracy on z_s, each averaged over the six sixths of the run.

If the swaps read as A's shape in every variant, the decoder takes shape from A's z_u, whatever a probe of z_u says.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from advdis_lessons import checkpoints, config
from advdis_lessons.data import DSprites
from advdis_lessons.history import History
from advdis_lessons.losses.elbo import bernoulli_reconstruction
from advdis_lessons.metrics.counterfactual import SWAPS, counterfactual_codes, u_shift
from advdis_lessons.metrics.heldout import heldout_terms
from advdis_lessons.metrics.shape_fidelity import ROUND, read_both
from advdis_lessons.metrics.swaps import swap_pairs, swap_targets

SHAPE_NAMES = ("square", "ellipse", "heart")
N_PAIRS = 600


def readings(model: torch.nn.Module, z: torch.Tensor, fa: np.ndarray, fb: np.ndarray) -> dict[str, np.ndarray]:
    """Plain and strict readings of ``decode(z)`` at A's position, as arrays of shape codes."""
    with torch.no_grad():
        probs = torch.sigmoid(model.decode(z))
    plain, strict = read_both(probs, fa)
    return {"plain": plain, "strict": strict}


def line(what: str, read: dict[str, np.ndarray], fa: np.ndarray, fb: np.ndarray) -> str:
    """One row: reads as B (plain, strict), as A (plain), refused as a blob (strict)."""
    return (f"{what:<44} as B {np.mean(read['plain'] == fb):.3f} (strictly {np.mean(read['strict'] == fb):.3f})"
            f" | as A {np.mean(read['plain'] == fa):.3f} | blob {np.mean(read['strict'] == ROUND):.3f}")


def breakdown(spec: str, n: int = N_PAIRS, seed: int = 4) -> list[str]:
    """The report for one shipped name or kept ``.pt`` path, as lines."""
    path = Path(spec) if spec.endswith(".pt") else checkpoints.DATA_DIR / f"{spec}.pt"
    method, info = checkpoints.load(path, device="cpu")
    model = method.model.eval()
    s_dims = list(method.s_dims)
    u_dims = [d for d in range(model.z_dim) if d not in s_dims]
    data = DSprites()
    fa, fb = swap_pairs(data, n, np.random.default_rng(seed))  # the pairs of swap_shape_accuracy at this seed
    xa, xb = data.sample_observations_from_factors(fa), data.sample_observations_from_factors(fb)
    a, b = fa[:, 0], fb[:, 0]
    with torch.no_grad():
        mu_a, logvar_a = model.encode(xa)
        mu_b = model.encode(xb)[0]
    swap = mu_a.clone()
    swap[:, s_dims] = mu_b[:, s_dims]
    read = readings(model, swap, fa, fb)
    out = [f"{path.name}: {n} pairs with different shapes", line("swap (means)", read, a, b)]
    for i, na in enumerate(SHAPE_NAMES):
        for j, nb in enumerate(SHAPE_NAMES):
            pick = (a == i) & (b == j)
            if pick.any():
                sub = {k: v[pick] for k, v in read.items()}
                out.append(line(f"  {na} -> {nb} ({pick.sum()})", sub, a[pick], b[pick]))
    kl = np.asarray(heldout_terms(model)["kl_per_dim"])
    collapsed = [d for d in u_dims if kl[d] <= 0.1]
    zero = swap.clone()
    zero[:, collapsed] = 0.0
    out.append(line(f"collapsed z_u dims {collapsed} at 0", readings(model, zero, fa, fb), a, b))
    gen = torch.Generator().manual_seed(seed)
    sampled = mu_a + torch.randn(mu_a.shape, generator=gen) * (0.5 * logvar_a).exp()
    sampled[:, s_dims] = mu_b[:, s_dims]
    out.append(line("z_u sampled from q(z|A)", readings(model, sampled, fa, fb), a, b))
    if getattr(method, "s_prior", "standard") == "class":
        centred = mu_a.clone()
        centred[:, s_dims] = method.s_means[torch.as_tensor(b).long()].to(centred)
        out.append(line("z_s at the centre of B's class prior", readings(model, centred, fa, fb), a, b))
    out += counterfactual_lines(model, data, fa, fb, xa, s_dims, u_dims)
    own = mu_a + torch.randn(mu_a.shape, generator=gen) * (0.5 * logvar_a).exp()  # A's whole code, sampled
    with torch.no_grad():
        cost = [bernoulli_reconstruction(model.decode(z), xa).mean().item() for z in (mu_a, own)]
    out.append(f"{'A reconstructed (nats): from means | samples':<44} {cost[0]:.1f} | {cost[1]:.1f}")
    return out + training_lines(info["history"])


def counterfactual_lines(model: torch.nn.Module, data: DSprites, fa: np.ndarray, fb: np.ndarray, xa: torch.Tensor,
                         s_dims: list[int], u_dims: list[int]) -> list[str]:
    """Readings with C = A redrawn in B's shape, and how far z_u's means move from A to C
    (:mod:`~advdis_lessons.metrics.counterfactual`)."""
    codes = counterfactual_codes(model, xa, data.sample_observations_from_factors(swap_targets(fa, fb, "shape")), s_dims)
    out = [line(what, readings(model, codes[key], fa, fb), fa[:, 0], fb[:, 0]) for key, what in SWAPS.items()]
    shift = u_shift(codes["A"], codes["C"], u_dims)
    out.append(f"{'z_u moves from A to C (mean |dz| / spread)':<44} "
               + " ".join(f"z{d} {v:.2f}" for d, v in zip(u_dims, shift)))
    return out


TRAINING_KEYS = {"swap_judge": "judge CE on swaps (nats)", "aux_acc": "classifier accuracy on z_s"}


def training_lines(history: History) -> list[str]:
    """One line per :data:`TRAINING_KEYS` entry the history has: its mean over each sixth of the run."""
    out = []
    for key, what in TRAINING_KEYS.items():
        if key in history:
            values = np.asarray(history[key], dtype=float)
            sixths = [np.nanmean(part) for part in np.array_split(values, 6)]
            out.append(f"{what + ', by sixth of training':<44} " + " ".join(f"{v:.3f}" for v in sixths))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("specs", nargs="+", help="shipped names (data/NAME.pt) or paths of kept .pt models")
    parser.add_argument("--pairs", type=int, default=N_PAIRS)
    args = parser.parse_args()
    config.set_threads()
    for spec in args.specs:
        print("\n".join(breakdown(spec, args.pairs)))


if __name__ == "__main__":
    main()
