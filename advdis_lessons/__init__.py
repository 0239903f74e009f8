"""advdis_lessons: the helper package of the advdis course on adversarial disentanglement.

Layers, lowest first (a module imports only from its own layer or below; ``tests/test_package_architecture.py``):

- ``config``, ``history``, ``atomic``, ``recipes``, ``stats``: settings (budget, seed, device, threads), training
  histories, atomic file writes, the named training configurations, summaries of repeated runs.
- ``data``: the procedural dSprites renderer and data set, labels, resumable batch streams.
- ``models``: the conv VAE, discriminators and adversaries, the swap judge, priors, lesson 05's toy.
- ``losses``: ELBO terms, beta / capacity losses and TC estimators, adversarial terms, the class prior,
  the MMD penalty, the swap-consistency loss, the R1 penalty and the remedy options.
- ``training``, ``health``, ``run_state``, ``precision``: the one training loop and ``Method``, the monitor that
  names failures while it runs, a run's full state, the arithmetic a run trains in.
- ``metrics``: disentanglement metrics, leakage probes, swaps, shape fidelity, what a run records.
- ``methods``: one module per training method and the registry ``METHODS``.
- ``checkpoints``: save, load, ``train_or_load``.
- ``plots``, ``widgets``, ``exercises``, ``stability``, ``sweep``: what the lessons show and check, lesson 08's game
  and failure-and-remedy studies, and lesson 09's sweep runner (local worker processes or a Ray cluster).
- ``tools``, ``publish``: maintainer commands (``python -m advdis_lessons.tools.pretrain``, ``... .tools.nbtools``)
  and the course in its other forms: offline slide decks and the static site (``make slides``, ``make site``).

The lessons import what they teach from these subpackages, e.g. ``from advdis_lessons.data import DSprites``,
``from advdis_lessons.methods import FactorVAE``, ``from advdis_lessons.checkpoints import train_or_load``.
"""
__version__ = "0.5.0"
