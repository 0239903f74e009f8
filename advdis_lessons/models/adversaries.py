"""Adversaries on latent codes: the total-correlation discriminator of FactorVAE, and a TC estimator.

Introduced in lesson 04. :class:`TCDiscriminator` learns to tell samples of q(z) (label 0) from
samples of prod_j q(z_j) made by :func:`~advdis_lessons.losses.tc.permute_dims` (label 1); its
log-odds then estimate the density ratio q(z) / prod_j q(z_j), whose mean is the total correlation
(Kim & Mnih, 2018, "Disentangling by Factorising"). :func:`estimate_tc` does this for any set of
samples, e.g. to check a trained encoder's codes or a Gaussian whose TC is known exactly.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from advdis_lessons.models.vae import mlp

PAPER_HIDDEN, PAPER_DEPTH = 1000, 6
"""Kim & Mnih (2018, App. A): 6 hidden layers of 1000 units, leaky ReLU (slope 0.2), 2 logits."""

DEFAULT_HIDDEN, DEFAULT_DEPTH = 256, 4
"""The course default, 4 x 256: 0.2 M weights against the paper network's 5.0 M, 15-20x faster to
train on one CPU thread. Measured with :func:`estimate_tc` (1000 steps, 32,000 samples, seed 0;
``python benchmarks/factorvae_speed.py --tc-accuracy --threads 1``), exact value -> 4 x 256 / 6 x 1000:
d=2 rho=0.8: 0.511 -> 0.501 / 0.501; d=5 rho=0.5: 0.837 -> 0.792 / 0.804; d=10 rho=0: 0 -> -0.007 / -0.003.
So for TC up to about 1 nat it is as good. For large TC both fall short: d=10 rho=0.9 (9.26 nats) gives
7.71 / 8.01 (6 x 256: 7.67; 4 x 256 with 4000 steps: 8.06)."""


def tc_from_logits(logits: torch.Tensor) -> torch.Tensor:
    """Density-ratio estimate of TC (nats) from a discriminator's logits on samples of q(z).

    Sign convention (the one used throughout the course): the discriminator's **column 0 means
    "from q(z)"** (label 0, the real, correlated codes) and **column 1 means "from prod_j q(z_j)"**
    (label 1, permuted codes). If D(z) = softmax(logits)[0] is the probability of "from q(z)", the
    optimal D satisfies D / (1 - D) = q(z) / prod_j q(z_j), hence (Kim & Mnih, 2018, eq. 3)

        TC ~= E_{q(z)} [ log D(z) / (1 - D(z)) ] = mean(logit_0 - logit_1).

    A single-logit discriminator, shape (N, 1) or (N,), is read as the log-odds of "from q(z)"
    and gives mean(logit). Pass logits evaluated on samples of q(z) (not on permuted ones).
    """
    if logits.ndim == 2 and logits.shape[1] == 2:
        log_odds = logits[:, 0] - logits[:, 1]
    elif logits.ndim == 1 or (logits.ndim == 2 and logits.shape[1] == 1):
        log_odds = logits.reshape(-1)
    else:
        raise ValueError(f"logits must have shape (N, 2), (N, 1) or (N,), got {tuple(logits.shape)}")
    if log_odds.numel() == 0:
        raise ValueError("logits are empty: need at least one sample to estimate TC")
    return log_odds.float().mean()


class TCDiscriminator(nn.Module):
    """MLP z -> 2 logits; column 0 = "from q(z)", column 1 = "from prod_j q(z_j)" (permuted).

    Args:
        z_dim: latent dimensionality d.
        hidden: units per hidden layer (default :data:`DEFAULT_HIDDEN`).
        depth: number of hidden layers (default :data:`DEFAULT_DEPTH`).
        paper: use Kim & Mnih's 6 x 1000 network; do not also pass ``hidden``/``depth``.
        slope: leaky-ReLU negative slope (0.2 in the paper).
        spectral_norm: spectral normalisation on every linear layer (a remedy of lesson 08).
    """

    def __init__(self, z_dim: int, hidden: int | None = None, depth: int | None = None,
                 paper: bool = False, slope: float = 0.2, spectral_norm: bool = False):
        super().__init__()
        if paper and (hidden is not None or depth is not None):
            raise ValueError(f"paper=True fixes hidden={PAPER_HIDDEN}, depth={PAPER_DEPTH}; "
                             f"got hidden={hidden}, depth={depth} as well")
        hidden = PAPER_HIDDEN if paper else (DEFAULT_HIDDEN if hidden is None else hidden)
        depth = PAPER_DEPTH if paper else (DEFAULT_DEPTH if depth is None else depth)
        if z_dim < 1 or hidden < 1 or depth < 1:
            raise ValueError(f"z_dim, hidden and depth must be >= 1, got {z_dim}, {hidden}, {depth}")
        self.z_dim, self.hidden, self.depth = z_dim, hidden, depth
        self.net = mlp(z_dim, 2, hidden=(hidden,) * depth, slope=slope, spectral_norm=spectral_norm)

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
