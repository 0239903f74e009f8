"""Named training configurations: what each shipped checkpoint in ``data/`` was trained with.

A config is plain JSON data so a checkpoint's sidecar can store it and :func:`checkpoints.train_or_load`
can compare it. ``steps`` gives the number of updates for each budget.
"""
from __future__ import annotations

import copy

CONFIGS: dict[str, dict] = {
    # Lesson 01: a plain VAE. lr 5e-4 (not the published 1e-4) so a lesson-budget run learns
    # visibly in a couple of minutes; the decoder-bias initialisation keeps it off the blank plateau.
    "vae": {
        "method": "vae",
        "model": {"z_dim": 10},
        "params": {"lr": 5e-4, "beta": 1.0},
        "batch_size": 64,
        "seed": 0,
        "steps": {"smoke": 20, "lesson": 2000, "full": 15000},
    },
    # Kim & Mnih (2018) as published: Adam 1e-4, two batches of 64, the 6 x 1000 discriminator,
    # 300k steps (about 10 CPU hours here). Kept by name as the baseline of
    # benchmarks/time_to_disentangle.py; nothing is shipped from it.
    "factor_vae_paper": {
        "method": "factor_vae",
        "model": {"z_dim": 10},
        "params": {"gamma": 35.0, "lr": 1e-4, "d_lr": 1e-4, "d_paper": True},
        "batch_size": 128,
        "seed": 0,
        "steps": {"smoke": 20, "lesson": 2000, "full": 300_000},
    },
}

FAST = {"model": {"z_dim": 10, "width": "narrow"}, "lr": 5e-4, "batch_size": 64, "steps": 6000}
"""The fast recipe of lessons 03-04 (see benchmarks/time_to_disentangle.py and docs/RESULTS.md)."""


def _fast(method: str, steps: dict | None = None, batch_size: int | None = None, **params) -> dict:
    return {"method": method, "model": dict(FAST["model"]), "params": {"lr": FAST["lr"], **params},
            "batch_size": batch_size or FAST["batch_size"], "seed": 0,
            "steps": steps or {"smoke": 20, "lesson": 1500, "full": FAST["steps"]}}


for _beta in (1, 2, 4, 8, 16):
    CONFIGS[f"beta_vae_b{_beta}"] = _fast("beta_vae", beta=float(_beta))
CONFIGS["annealed_vae"] = _fast("annealed_vae", gamma=100.0, c_max=25.0, ramp_steps=FAST["steps"] * 2 // 3)
for _gamma in (10, 35, 100):
    CONFIGS[f"factor_vae_g{_gamma}"] = _fast("factor_vae", gamma=float(_gamma), d_lr=5e-4, batch_size=128)


# The 15-minute candidates of benchmarks/time_to_disentangle.py (the target: disentangled in minutes on a CPU):
# the fast recipe plus bf16 autocast, which buys 1.2-1.4x more updates per second on CPUs with bf16
# instructions; the single-seed lever screen in docs/RESULTS.md found no other lever that beat the seed spread.
# ``full`` = about what 15 minutes buy on one core of the reference machine.
# The precision is "auto": bf16 where the machine runs it natively and a short timing confirms it is faster
# (advdis_lessons/precision.py); on an AVX2-only CPU bf16 was twelve times slower than fp32.
CONFIGS["beta_vae_fast"] = {**_fast("beta_vae", beta=4.0, steps={"smoke": 20, "lesson": 1500, "full": 20000}),
                            "precision": "auto"}
CONFIGS["factor_vae_fast"] = {**_fast("factor_vae", gamma=35.0, d_lr=5e-4, batch_size=128,
                                      steps={"smoke": 20, "lesson": 1500, "full": 18000}), "precision": "auto"}

# The long runs of lessons 03-05 (``python -m advdis_lessons.tools.pretrain NAME --resume --minutes M``, resumable
# across sessions, advdis_lessons/tools/long_run.py): the published width (Burgess et al. 2018), Adam 1e-4,
# 300,000 steps (Locatello et al. 2019), stopping earlier once the metrics have plateaued over 50,000 steps.
# FactorVAE: gamma = 35, the best of the 6,000-step screen of gamma in {10, 35, 100} (MIG 0.047 vs 0.031 / 0.027,
# FactorVAE score 0.506 vs 0.508 / 0.500; data/README.md) and inside the published sweep 10-100.
# Its discriminator is the course's 4 x 256, not the paper's 6 x 1000: with that one a training state with Adam
# moments is about 60 MB instead of 12, steps are about 1.5x slower, and on correlated Gaussians the two
# estimate TC within 4% of each other (docs/RESULTS.md, "TC estimator accuracy"). The small discriminator learns at 5e-4,
# five times the VAE's rate (two time-scales): at the paper's equal 1e-4 the encoder outran it and the KL ran to
# 83 nats by step 4,750 (reconstruction 125 nats), as it did at d_lr 1e-4 against a VAE at 5e-4 (84 nats);
# with the 6 x 1000 network at 1e-4 it stayed near 15 (benchmarks/results/time_to_disentangle).
_LONG_STEPS = {"smoke": 20, "lesson": 1500, "full": 300_000}
CONFIGS["beta_vae_long"] = {"method": "beta_vae", "model": {"z_dim": 10}, "params": {"lr": 1e-4, "beta": 4.0},
                            "batch_size": 64, "seed": 0, "steps": dict(_LONG_STEPS), "precision": "auto"}
CONFIGS["factor_vae_long"] = {"method": "factor_vae", "model": {"z_dim": 10},
                              "params": {"gamma": 35.0, "lr": 1e-4, "d_lr": 5e-4},
                              "batch_size": 128, "seed": 0, "steps": dict(_LONG_STEPS), "precision": "auto"}
# The second seed of each (seed 0 of both ended at their plateaus, MIG 0.064 and 0.033): one seed is one draw.
for _name in ("beta_vae_long", "factor_vae_long"):
    CONFIGS[f"{_name}_s1"] = {**copy.deepcopy(CONFIGS[_name]), "seed": 1}


def get_config(name: str) -> dict:
    """A deep copy of the named config (edit it freely); unknown names list the choices."""
    if name not in CONFIGS:
        raise ValueError(f"unknown config {name!r}; known: {', '.join(sorted(CONFIGS))}")
    return copy.deepcopy(CONFIGS[name])


_TOP_LEVEL = ("batch_size", "precision", "seed")
_MODEL_KEYS = ("width", "z_dim", "pixel_mean")


def _value(text: str) -> object:
    """'1e-3' -> 0.001, '32' -> 32, 'true' -> True, '2+3+4' -> [2, 3, 4]; anything else stays a string."""
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    if "+" in text:  # not a number (1e+3 is one), so a list
        return [_value(part) for part in text.split("+")]
    return text


def variant(spec: str, seed: int | None = None) -> dict:
    """``"recipe[:key=value,...]"`` -> the named recipe with some levers changed (benchmarks use it), and its seed
    set to ``seed`` when one is given.

    ``batch_size``, ``precision`` and ``seed`` are top-level keys, ``width``, ``z_dim`` and ``pixel_mean`` go to the model,
    anything else (``lr``, ``beta``, ``gamma``, ``d_lr``, ``d_paper``, ``lam`` ...) to the method's params.
    A list is written with ``+`` between its items: ``masked_dims=2+3+4``.
    Example: ``variant("beta_vae_b4:precision=bf16,lr=1e-3")``.
    """
    name, _, rest = spec.partition(":")
    cfg = get_config(name)
    for item in filter(None, rest.split(",")):
        key, eq, text = item.partition("=")
        if not eq or not key:
            raise ValueError(f"lever {item!r} in {spec!r} is not key=value")
        target = cfg if key in _TOP_LEVEL else cfg["model"] if key in _MODEL_KEYS else cfg["params"]
        value, old = _value(text), target.get(key)
        if isinstance(old, (int, float)) and not isinstance(old, bool) and not isinstance(value, (int, float)):
            raise ValueError(f"lever {key}={text!r} in {spec!r} must be a number (the recipe has {key}={old!r})")
        if isinstance(old, list) and not isinstance(value, list):
            raise ValueError(f"lever {key}={text!r} in {spec!r} must be a list joined by '+', e.g. {key}=2+3+4 "
                             f"(the recipe has {key}={old!r})")
        target[key] = value
    if cfg.get("precision", "fp32") not in ("auto", "fp32", "bf16"):
        raise ValueError(f"precision {cfg['precision']!r} in {spec!r} is not one of auto, fp32, bf16")
    if seed is not None:
        cfg["seed"] = int(seed)
    return cfg


# Lessons 06-07: supervised adversaries and adversarial masking of shape. z_s = dims 0-1 carries shape,
# z_u = the other dims must not; lam ramps from 0 over the first 300 updates (see advdis_lessons/methods/adversarial_vae.py).
# The reconstruction term is 100+ nats per image, so the ~1-nat cross-entropies need weights near 10-20 to count.
# z_s has a class-conditional prior (one centre per shape, advdis_lessons/losses/class_prior.py) with KL weight 10: with
# the standard prior z_s held scale more than shape (normalised MI 0.33-0.44 vs 0.10-0.19) and swaps scored
# below doing nothing; with it z_s holds shape (0.78-0.84 at 6,000 steps, 0.97-0.99 at 15,000).
# KL weight 4 on z_u (beta=4): at 15,000 steps the max-entropy swap rose from 0.70 to 0.73 and the probe on *sampled*
# z_u fell from 0.41 to 0.37 (chance 0.35), but with 10 latent dims the probe on the means of all z_u dims read 0.96,
# from collapsed dims. With z_dim=5 (z_u = dims 2-4, all active) it read 0.36 and the swap 0.71.
# docs/RESULTS.md, "Supervised adversaries against their targets".
_SUPERVISED = {"factor": "shape", "s_dims": [0, 1], "lam": 10.0, "lam_ramp_steps": 300, "beta": 4.0,
               "aux_weight": 20.0, "d_lr": 5e-4, "s_prior": "class", "s_beta": 10.0}
SUPERVISED_Z_DIM = 5
# full = 15,000 updates (about 18 minutes on one core): at 6,000 the swaps reached only 0.66-0.69 IoU, at 15,000 0.70-0.73.
for _style in ("grl", "flip", "maxent"):
    CONFIGS[f"supervised_{_style}"] = _fast("supervised_adversary", style=_style,
                                            steps={"smoke": 20, "lesson": 1500, "full": 15000}, **_SUPERVISED)
    CONFIGS[f"supervised_{_style}"]["model"]["z_dim"] = SUPERVISED_Z_DIM
# The flipped-label recipe at the published encoder/decoder width (lesson 06, "Width buys the shape"): the narrow
# decoder drew A's own shape in only 0.47-0.73 of reconstructions, which caps how often a swap can show B's shape.
# 15,000 steps (3,874 s on one core): recon 71.7 nats against 85.5, swaps read as B's shape 0.627 against 0.507 (sidecar
# draws), z_u at chance (0.331 / 0.323); by eye the swaps towards squares and hearts are still round blobs.
CONFIGS["supervised_flip_wide"] = copy.deepcopy(CONFIGS["supervised_flip"])
CONFIGS["supervised_flip_wide"]["model"]["width"] = "standard"
# Lesson 06's long run (resumable like those of lessons 03-05): at 15,000 steps the five-dim recipe above cannot
# draw the shapes it swaps (A redrawn in B's shape reconstructs as B in 0.788 of 600 pairs, benchmarks/swap_breakdown.py;
# three z_u dims for position, scale and orientation), while seven dims with beta = 2 reconstruct the shape in 0.893
# (docs/RESULTS.md, "Swaps that show the donor's shape"). Every 10,000 steps its CSV records the swaps and who decides their shape
# (advdis_lessons/metrics/counterfactual.py); it ends at 300,000 steps or when they and the other metrics plateau.
CONFIGS["supervised_long"] = copy.deepcopy(CONFIGS["supervised_flip_wide"])
CONFIGS["supervised_long"]["model"]["z_dim"] = 7
CONFIGS["supervised_long"]["params"]["beta"] = 2.0
CONFIGS["supervised_long"].update(steps=dict(_LONG_STEPS), precision="auto")
_MASKING = {"factor": "shape", "masked_dims": [2, 3, 4, 5, 6, 7, 8, 9], "style": "maxent", "lam_ramp_steps": 300,
            "beta": 1.0, "d_lr": 5e-4}
for _suffix, _lam in (("", 10.0), ("_lam_low", 1.0), ("_lam_high", 100.0)):
    CONFIGS[f"masking_shape{_suffix}"] = _fast("masking_adversary", lam=_lam, **_MASKING)
# Lesson 07's test of lesson 06's two levers on masking alone: five latent dims (dims 2-4 masked, 0-1 kept), with and
# without a KL weight of 4. At 6,000 steps neither censors: a fresh MLP on the masked means read 0.419 / 0.444 against
# chance 0.346, and the kept dims did not take the shape up (0.434 / 0.411); lesson 06's classifier and class prior on
# the kept dims do (benchmarks/supervised_quality.py, "masking_shape:z_dim=5,masked_dims=2+3+4[,beta=4]").
for _suffix, _beta in (("_z5", 1.0), ("_z5_b4", 4.0)):
    CONFIGS[f"masking_shape{_suffix}"] = _fast("masking_adversary", lam=10.0, **{**_MASKING, "masked_dims": [2, 3, 4],
                                                                                  "beta": _beta})
    CONFIGS[f"masking_shape{_suffix}"]["model"]["z_dim"] = 5


# Lesson 05: adversarial autoencoders with a Gaussian and a uniform prior (deterministic encoder).
# adv_weight 10 with d_lr 5e-4: at adv_weight 1 the discriminator won outright (accuracy > 0.97 on
# both sides after 800 steps), so the codes were barely shaped; 10 keeps it in the game.
for _prior in ("gaussian", "uniform"):
    CONFIGS[f"aae_{_prior}"] = _fast("aae", prior=_prior, d_lr=5e-4, adv_weight=10.0)
# Its long run: the uniform prior (the factorial prior that can pick axes; an isotropic Gaussian cannot) at the
# published width and Adam 1e-4, the discriminator at 5e-4 as for factor_vae_long, adv_weight 10 as above.
CONFIGS["aae_uniform_long"] = {"method": "aae", "model": {"z_dim": 10},
                               "params": {"lr": 1e-4, "prior": "uniform", "d_lr": 5e-4, "adv_weight": 10.0},
                               "batch_size": 64, "seed": 0, "steps": dict(_LONG_STEPS), "precision": "auto"}
# The same with five code dims, one per dSprites factor (lesson 05, question 8): with ten, a deterministic encoder must
# fill five spare uniform coordinates and folds the factors across the cube (MIG 0.004 at 69,000 steps).
CONFIGS["aae_uniform_z5_long"] = copy.deepcopy(CONFIGS["aae_uniform_long"])
CONFIGS["aae_uniform_z5_long"]["model"]["z_dim"] = 5


# Lesson 09: the non-adversarial twins, at the fast recipe. beta-TCVAE with beta = 6 (Chen et al. 2018's dSprites value):
# FactorVAE's TC penalty from the minibatch. WAE-MMD with a Gaussian prior: the AAE's prior matching by a kernel statistic.
CONFIGS["beta_tcvae_b6"] = _fast("beta_tcvae", beta=6.0)
CONFIGS["mmd_ae_gaussian"] = _fast("mmd_ae", prior="gaussian", mmd_weight=100.0)
