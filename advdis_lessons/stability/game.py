"""The smallest adversarial game, for lesson 08: a one-parameter encoder against a one-parameter discriminator.

The "Dirac GAN" of Mescheder et al. (2018): the target distribution is a point at 0, the encoder puts its codes
at ``theta``, and the discriminator is the logistic classifier D(z) = sigmoid(psi * z). With the cross-entropy
our discriminators use, the value of the game is

    V(theta, psi) = f(psi * theta) + f(0),   f(t) = -log(1 + exp(-t)),

which the discriminator maximises over psi and the encoder minimises over theta. Its only equilibrium is
(0, 0): codes on the target, a discriminator that cannot tell. The gradients are

    dV/dtheta = psi * s(psi * theta),   dV/dpsi = theta * s(psi * theta),   s(t) = f'(t) = sigmoid(-t),

a rotation around the equilibrium (near it, s = 1/2 and V is the bilinear game theta * psi / 2), which is
why gradient steps circle instead of descending. :func:`play` runs the remedies of
:mod:`~advdis_lessons.losses.stability` on it: alternating updates, two time-scales, several discriminator
steps, the R1 penalty (here (gamma / 2) psi^2: the squared gradient of D's log-odds at the target) and
gradient clipping.
"""
from __future__ import annotations

import math

import numpy as np

SCHEMES = ("simultaneous", "alternating")


def _s(t: np.ndarray | float) -> np.ndarray | float:
    return 0.5 * (1.0 - np.tanh(0.5 * np.asarray(t)))  # sigmoid(-t), stable for large |t|


def gradients(theta: np.ndarray | float, psi: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """(dV/dtheta, dV/dpsi) at (theta, psi); works on arrays for the vector field."""
    s = _s(np.asarray(psi) * np.asarray(theta))
    return np.asarray(psi) * s, np.asarray(theta) * s


def field(theta: np.ndarray, psi: np.ndarray, penalty: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """The direction each player moves: (-dV/dtheta, dV/dpsi - penalty * psi), for a quiver plot."""
    g_theta, g_psi = gradients(theta, psi)
    return -g_theta, g_psi - penalty * np.asarray(psi)


def _clip(g: float, clip: float | None) -> float:
    return g if clip is None or abs(g) <= clip else math.copysign(clip, g)


def play(start: tuple[float, float] = (1.0, 1.0), steps: int = 500, lr: float = 0.1, *, d_lr: float | None = None,
         scheme: str = "simultaneous", d_steps: int = 1, penalty: float = 0.0, clip: float | None = None) -> np.ndarray:
    """Gradient play from ``start``: returns the (steps + 1, 2) path of (theta, psi).

    ``scheme``: ``"simultaneous"`` (both players step from the same point) or ``"alternating"`` (the
    discriminator steps ``d_steps`` times, then the encoder sees the new discriminator, as our methods do).
    ``d_lr`` (default ``lr``) is the discriminator's step size, ``penalty`` the R1 weight gamma and ``clip`` a cap
    on each gradient's magnitude.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}, got {scheme!r}")
    if isinstance(d_steps, bool) or not isinstance(d_steps, int) or d_steps < 1:
        raise ValueError(f"d_steps must be an integer >= 1, got {d_steps!r}")
    if lr <= 0 or (d_lr is not None and d_lr <= 0) or penalty < 0 or (clip is not None and clip <= 0):
        raise ValueError(f"lr, d_lr and clip must be > 0 and penalty >= 0, got lr={lr}, d_lr={d_lr}, "
                         f"penalty={penalty}, clip={clip}")
    d_lr = lr if d_lr is None else d_lr
    theta, psi = map(float, start)
    path = [(theta, psi)]
    for _ in range(steps):
        if scheme == "simultaneous":
            g_theta, g_psi = gradients(theta, psi)
            theta, psi = (theta - lr * _clip(float(g_theta), clip),
                          psi + d_lr * _clip(float(g_psi) - penalty * psi, clip))
        else:
            for _ in range(d_steps):
                psi += d_lr * _clip(float(gradients(theta, psi)[1]) - penalty * psi, clip)
            theta -= lr * _clip(float(gradients(theta, psi)[0]), clip)
        path.append((theta, psi))
    return np.asarray(path)


def distance(path: np.ndarray) -> np.ndarray:
    """Distance of each point of a path from the equilibrium (0, 0)."""
    return np.hypot(path[:, 0], path[:, 1])
