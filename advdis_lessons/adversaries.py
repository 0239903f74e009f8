"""Adversaries on latent codes: the total-correlation discriminator of FactorVAE, and a TC estimator.

Introduced in lesson 04. :class:`TCDiscriminator` learns to tell samples of q(z) (label 0) from
samples of prod_j q(z_j) made by :func:`~advdis_lessons.objectives_tc.permute_dims` (label 1); its
log-odds then estimate the density ratio q(z) / prod_j q(z_j), whose mean is the total correlation
(Kim & Mnih, 2018, "Disentangling by Factorising"). :func:`estimate_tc` does this for any set of
samples, e.g. to check a trained encoder's codes or a Gaussian whose TC is known exactly.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from .models import mlp
from .objectives_tc import permute_dims, tc_from_logits

PAPER_HIDDEN, PAPER_DEPTH = 1000, 6
"""Kim & Mnih (2018, App. A): 6 hidden layers of 1000 units, leaky ReLU (slope 0.2), 2 logits."""

DEFAULT_HIDDEN, DEFAULT_DEPTH = 256, 4
"""The course default, 4 x 256: 0.2 M weights against the paper network's 5.0 M, 15-20x faster to
train on one CPU thread. Measured with :func:`estimate_tc` (1000 steps, 32,000 samples, seed 0;
``python benchmarks/factorvae_speed.py --tc-accuracy --threads 1``), exact value -> 4 x 256 / 6 x 1000:
d=2 rho=0.8: 0.511 -> 0.501 / 0.501; d=5 rho=0.5: 0.837 -> 0.792 / 0.804; d=10 rho=0: 0 -> -0.007 / -0.003.
So for TC up to about 1 nat it is as good. For large TC both fall short: d=10 rho=0.9 (9.26 nats) gives
7.71 / 8.01 (6 x 256: 7.67; 4 x 256 with 4000 steps: 8.06)."""


class TCDiscriminator(nn.Module):
    """MLP z -> 2 logits; column 0 = "from q(z)", column 1 = "from prod_j q(z_j)" (permuted).

    Args:
        z_dim: latent dimensionality d.
        hidden: units per hidden layer (default :data:`DEFAULT_HIDDEN`).
        depth: number of hidden layers (default :data:`DEFAULT_DEPTH`).
        paper: use Kim & Mnih's 6 x 1000 network; do not also pass ``hidden``/``depth``.
        slope: leaky-ReLU negative slope (0.2 in the paper).
    """

    def __init__(self, z_dim: int, hidden: int | None = None, depth: int | None = None,
                 paper: bool = False, slope: float = 0.2):
        super().__init__()
        if paper and (hidden is not None or depth is not None):
            raise ValueError(f"paper=True fixes hidden={PAPER_HIDDEN}, depth={PAPER_DEPTH}; "
                             f"got hidden={hidden}, depth={depth} as well")
        hidden = PAPER_HIDDEN if paper else (DEFAULT_HIDDEN if hidden is None else hidden)
        depth = PAPER_DEPTH if paper else (DEFAULT_DEPTH if depth is None else depth)
        if z_dim < 1 or hidden < 1 or depth < 1:
            raise ValueError(f"z_dim, hidden and depth must be >= 1, got {z_dim}, {hidden}, {depth}")
        self.z_dim, self.hidden, self.depth = z_dim, hidden, depth
        self.net = mlp(z_dim, 2, hidden=(hidden,) * depth, slope=slope)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Logits of shape (N, 2)."""
        if z.ndim != 2 or z.shape[1] != self.z_dim:
            raise ValueError(f"expected codes of shape (N, {self.z_dim}), got {tuple(z.shape)}")
        return self.net(z)

    def tc(self, z: torch.Tensor) -> torch.Tensor:
        """Density-ratio TC estimate (nats) on samples ``z`` of q(z): mean(logit_0 - logit_1)."""
        return tc_from_logits(self(z))

    def prob_real(self, z: torch.Tensor) -> torch.Tensor:
        """D(z): the probability that each code came from q(z) rather than from permuted codes."""
        return torch.softmax(self(z).float(), dim=1)[:, 0]


def discriminator_cross_entropy(logits_real: torch.Tensor, logits_perm: torch.Tensor) -> torch.Tensor:
    """The discriminator's loss: cross-entropy with label 0 on q(z) samples and 1 on permuted ones.

    Averaged over both halves equally, i.e. 0.5 * (CE_real + CE_perm); log 2 = 0.693 means chance.
    """
    zeros = torch.zeros(len(logits_real), dtype=torch.long, device=logits_real.device)
    ones = torch.ones(len(logits_perm), dtype=torch.long, device=logits_perm.device)
    return 0.5 * (F.cross_entropy(logits_real.float(), zeros) + F.cross_entropy(logits_perm.float(), ones))


def estimate_tc(samples: torch.Tensor, steps: int = 1000, seed: int = 0, batch_size: int = 256,
                lr: float = 2e-3, *, hidden: int | None = None, depth: int | None = None,
                paper: bool = False, holdout: float = 0.5, standardize: bool = True,
                disable: bool = False) -> float:
    """Estimate TC (nats) of the distribution behind ``samples`` with a freshly trained discriminator.

    The samples are shuffled and split: a fraction ``1 - holdout`` trains a :class:`TCDiscriminator`
    (each step: a batch of samples, label 0, against :func:`permute_dims` of a second, independent
    batch, label 1; Adam with betas (0.5, 0.9) as in Kim & Mnih, 2018); the estimate
    mean(logit_0 - logit_1) is then taken on the held-out part, so a discriminator that memorised
    its training points is not rewarded. Deterministic for a ``seed`` on CPU, and leaves the global
    RNG untouched.

    Limits worth knowing (lesson 04): the estimate is only as good as the classifier, which
    underestimates large ratios: for a 10-d Gaussian with TC = 9.26 nats it gives about 7.7 (8.0 with
    the paper network or 4x the steps). Too few samples for the dimension show up as a *negative*
    estimate (the network memorises the training codes; 8,000 samples in 10-d gave -0.24 for TC = 0).

    Args:
        samples: (N, d) tensor (anything ``torch.as_tensor`` accepts), N >= 4.
        steps: discriminator updates.
        batch_size: samples per class per update (capped at the training split's size).
        lr: Adam learning rate.
        hidden, depth, paper: the discriminator's shape (see :class:`TCDiscriminator`).
        holdout: fraction of samples kept for the estimate, in (0, 1).
        standardize: scale each dimension to zero mean and unit variance first (TC is invariant to
            per-dimension invertible maps; standard inputs train faster).
        disable: hide the tqdm progress bar.
    """
    z = torch.as_tensor(samples, dtype=torch.float32).detach().cpu()
    if z.ndim != 2 or len(z) < 4:
        raise ValueError(f"samples must have shape (N, d) with N >= 4, got {tuple(z.shape)}")
    if not torch.isfinite(z).all():
        raise ValueError("samples contain non-finite values")
    if steps < 1 or batch_size < 1 or lr <= 0:
        raise ValueError(f"steps and batch_size must be >= 1 and lr > 0, got {steps}, {batch_size}, {lr}")
    if not 0 < holdout < 1:
        raise ValueError(f"holdout must be in (0, 1), got {holdout}")
    gen = torch.Generator().manual_seed(seed)
    z = z[torch.randperm(len(z), generator=gen)]
    n_eval = min(len(z) - 2, max(1, round(holdout * len(z))))
    train, held_out = z[n_eval:], z[:n_eval]
    if standardize:
        mean, std = train.mean(0), train.std(0).clamp_min(1e-8)
        train, held_out = (train - mean) / std, (held_out - mean) / std
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        disc = TCDiscriminator(z.shape[1], hidden=hidden, depth=depth, paper=paper)
    opt = torch.optim.Adam(disc.parameters(), lr=lr, betas=(0.5, 0.9))
    # Cosine decay to zero: the last iterates settle instead of jittering around the optimum,
    # which otherwise adds ~0.1-0.5 nats of noise to an estimate read off the final network.
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: 0.5 * (1 + math.cos(math.pi * t / steps)))
    b = min(batch_size, len(train))
    for _ in tqdm(range(steps), desc="TC discriminator", disable=disable, mininterval=0.5, leave=False):
        real = train[torch.randint(len(train), (b,), generator=gen)]
        perm = permute_dims(train[torch.randint(len(train), (b,), generator=gen)], generator=gen)
        loss = discriminator_cross_entropy(disc(real), disc(perm))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
    with torch.no_grad():
        return float(disc.tc(held_out))


# ---------------------------------------------------------------------------------------------- lessons 06-07

class _ReverseGrad(torch.autograd.Function):
    """Identity on the way forward; multiplies the incoming gradient by -lambd on the way back."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, lambd: float) -> torch.Tensor:  # type: ignore[override]
        ctx.lambd = lambd
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None]:  # type: ignore[override]
        return -ctx.lambd * grad, None


def _check_lambd(lambd: float) -> float:
    lambd = float(lambd)
    if not math.isfinite(lambd) or lambd < 0:
        raise ValueError(f"lambd must be a finite number >= 0, got {lambd}")
    return lambd


def grad_reverse(x: torch.Tensor, lambd: float = 1.0) -> torch.Tensor:
    """Gradient reversal (Ganin & Lempitsky, 2015): returns ``x``; backward sends ``-lambd * grad``.

    Put it between an encoder and an adversary: one backward pass then trains the adversary to
    *minimise* its loss while the encoder receives the gradient that *maximises* it (lesson 06).
    """
    return _ReverseGrad.apply(x, _check_lambd(lambd))


class GradientReversal(nn.Module):
    """Module form of :func:`grad_reverse`; set ``.lambd`` between steps to ramp the reversal weight."""

    def __init__(self, lambd: float = 1.0):
        super().__init__()
        self.lambd = lambd

    @property
    def lambd(self) -> float:
        """The reversal weight (>= 0): backward multiplies gradients by ``-lambd``."""
        return self._lambd

    @lambd.setter
    def lambd(self, value: float) -> None:
        self._lambd = _check_lambd(value)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return grad_reverse(x, self.lambd)

    def extra_repr(self) -> str:
        return f"lambd={self.lambd}"


def check_dims(dims, z_dim: int, what: str = "dims") -> tuple[int, ...]:
    """Validate a list of latent dims: non-empty, integers, unique, each in 0..z_dim-1."""
    if isinstance(dims, (str, bytes)) or not hasattr(dims, "__iter__"):
        raise ValueError(f"{what} must be a list of latent dims in 0..{z_dim - 1}, got {dims!r}")
    dims = tuple(dims)
    if not dims:
        raise ValueError(f"{what} must name at least one latent dim in 0..{z_dim - 1}, got an empty list")
    out = []
    for d in dims:
        if isinstance(d, bool) or not hasattr(d, "__index__"):  # ints and NumPy integers, not floats
            raise ValueError(f"{what} must hold integers in 0..{z_dim - 1}, got {d!r}")
        d = d.__index__()
        if not 0 <= d < z_dim:
            raise ValueError(f"{what} holds {d}, outside the allowed range 0..{z_dim - 1} (z_dim={z_dim})")
        out.append(d)
    dims = tuple(out)
    repeated = sorted({d for d in dims if dims.count(d) > 1})
    if repeated:
        raise ValueError(f"{what} must be unique; {repeated} appear more than once in {list(dims)}")
    return dims


class AttributeAdversary(nn.Module):
    """An MLP that reads a categorical attribute (e.g. shape) from chosen latent dims only.

    Takes full codes (N, z_dim) and returns logits (N, n_classes) computed from ``z[:, dims]``. Lesson
    06 uses it twice: as the adversary on z_u (the dims that should *not* know the label) and as the
    auxiliary classifier on z_s (the dims that should); lesson 07 puts it on the masked dims.

    Args:
        dims: the latent dims it may look at (unique, each in 0..z_dim-1).
        n_classes: number of label values (>= 2).
        z_dim: size of the codes it is given.
        hidden: hidden layer widths (leaky ReLU, see :func:`~advdis_lessons.models.mlp`).
    """

    def __init__(self, dims, n_classes: int, z_dim: int, hidden=(256, 256)):
        super().__init__()
        if isinstance(z_dim, bool) or not isinstance(z_dim, int) or z_dim < 1:
            raise ValueError(f"z_dim must be an integer >= 1, got {z_dim!r}")
        if isinstance(n_classes, bool) or not isinstance(n_classes, int) or n_classes < 2:
            raise ValueError(f"n_classes must be an integer >= 2, got {n_classes!r}")
        self.dims = check_dims(dims, z_dim)
        self.n_classes, self.z_dim = n_classes, z_dim
        self.register_buffer("index", torch.tensor(self.dims, dtype=torch.long), persistent=False)
        self.net = mlp(len(self.dims), n_classes, hidden=tuple(int(h) for h in hidden))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Logits (N, n_classes) from the selected dims of ``z`` (N, z_dim)."""
        if z.ndim != 2 or z.shape[1] != self.z_dim:
            raise ValueError(f"expected codes of shape (N, {self.z_dim}), got {tuple(z.shape)}")
        return self.net(z.index_select(1, self.index))

    def extra_repr(self) -> str:
        return f"dims={list(self.dims)}, n_classes={self.n_classes}"
from .priors import PriorDiscriminator  # noqa: F401,E402  (lesson 05)
