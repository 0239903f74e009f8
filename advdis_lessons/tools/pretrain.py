"""Produce the shipped checkpoints: ``python -m advdis_lessons.tools.pretrain NAME [NAME ...] [--budget full]``.

Long runs: ``pretrain NAME --resume --minutes M`` trains for M minutes and saves its state, to be continued
by the same command later (``advdis_lessons/tools/long_run.py``); ``pretrain NAME --status`` says where it is;
``pretrain NAME --finish`` ships it as it stands, before its budget or a plateau.

Trains each named recipe (see ``recipes.CONFIGS``) at the chosen budget on the best device, measures
it (held-out ELBO terms, the ``fast`` disentanglement metrics and, for the supervised and masking
adversaries, swap IoU and leakage from :mod:`~advdis_lessons.metrics.split_quality`), and writes
``data/NAME.pt`` with its JSON sidecar. Use a GPU where you have one; on a CPU run it in the background.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from advdis_lessons import checkpoints, config
from advdis_lessons.metrics.heldout import heldout_terms
from advdis_lessons.recipes import CONFIGS, get_config
from advdis_lessons.tools.remeasure import remeasure


def weaker_than_shipped(name: str, budget: str, data_dir: str | Path | None = None) -> str | None:
    """Why training ``name`` at ``budget`` would replace a stronger checkpoint (more steps or a higher
    budget) in ``data/``, or None when it would not."""
    path = Path(data_dir or checkpoints.DATA_DIR) / f"{name}.pt"
    if not path.exists():
        return None
    side = checkpoints.read_sidecar(path)
    steps = int(get_config(name)["steps"][budget])
    old_steps, old_budget = int(side.get("steps", 0)), str(side.get("budget", "full"))
    rank = {b: i for i, b in enumerate(config.BUDGETS)}
    if steps < old_steps or rank[budget] < rank.get(old_budget, len(rank)):
        return (f"{path} holds {old_steps:,} steps at budget {old_budget!r}; training {name} at budget {budget!r} "
                f"({steps:,} steps) would replace it with a weaker model. Add --force to do it anyway (the old pair "
                f"is kept as {name}.prev.pt/.json)")
    return None


def pretrain(name: str, budget: str = "full", device: str | None = None, force: bool = False) -> dict:
    """Train one recipe and save ``data/NAME.pt`` + sidecar, then add its metrics; returns the sidecar.

    Refuses (``ValueError``) to replace a checkpoint trained with more steps or a higher budget unless
    ``force``; then the previous pair is kept as ``NAME.prev.pt`` / ``NAME.prev.json``. The checkpoint is
    written before the (slower) disentanglement metrics, so a long run is never lost.
    """
    reason = weaker_than_shipped(name, budget)
    if reason and not force:
        raise ValueError(reason)
    cfg = get_config(name)
    method, info = checkpoints.train(cfg, budget=budget, device=device)
    path = checkpoints.DATA_DIR / f"{name}.pt"
    if path.exists():  # keep what is replaced: .pt first, its sidecar last (a reader never sees a mixed pair)
        path.replace(path.with_suffix(".prev.pt"))
        path.with_suffix(".json").replace(path.with_suffix(".prev.json"))
    checkpoints.save(path, method, cfg, history=info["history"], budget=budget, steps=info["steps"],
                     seed=info["seed"], wall_time=info["wall_time_s"], metrics=heldout_terms(method.model))
    return remeasure(name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m advdis_lessons.tools.pretrain", description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="+", help=f"recipes: {', '.join(CONFIGS)}")
    parser.add_argument("--budget", default="full", choices=config.BUDGETS)
    parser.add_argument("--device", default=None, help="cuda, mps or cpu (default: best available)")
    parser.add_argument("--remeasure", action="store_true", help="only re-measure existing checkpoints")
    parser.add_argument("--resume", action="store_true",
                        help="long run: continue from data/runs/NAME.state.pt (or start it), saving as it goes")
    parser.add_argument("--minutes", type=float, default=None, help="with --resume: stop cleanly after this long")
    parser.add_argument("--eval-every", type=int, default=None, help="with --resume: steps between CSV rows")
    parser.add_argument("--finish", action="store_true",
                        help="long run: ship its saved state now as data/NAME.pt + sidecar, ending the run early")
    parser.add_argument("--status", action="store_true", help="print one line per long run and exit")
    parser.add_argument("--force", action="store_true",
                        help="replace a checkpoint trained longer (the old pair is kept as NAME.prev.pt/.json)")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in CONFIGS]  # every name and option is checked before anything trains
    if unknown:
        parser.error(f"unknown recipe(s) {', '.join(map(repr, unknown))}; known: {', '.join(sorted(CONFIGS))}")
    if args.minutes is not None and args.minutes <= 0:
        parser.error(f"--minutes must be > 0, got {args.minutes}")
    if args.finish and (args.resume or args.remeasure or args.status):
        parser.error("--finish ends a run; it cannot be combined with --resume, --remeasure or --status")
    if not (args.resume or args.remeasure or args.status or args.force or args.finish):
        weaker = [r for r in (weaker_than_shipped(n, args.budget) for n in args.names) if r]
        if weaker:
            parser.error("\n".join(weaker))
    env_budget = os.environ.get("ADVDIS_BUDGET")
    if env_budget and env_budget.strip().lower() != args.budget and not (args.remeasure or args.status or args.resume):
        print(f"note: pretrain trains at --budget {args.budget}; ADVDIS_BUDGET={env_budget!r} governs the lessons' "
              f"training cells, not this command", file=sys.stderr)
    if args.status:
        from advdis_lessons.tools import run_log
        for name in args.names:
            print(run_log.status(name))
        return 0
    config.set_threads()
    for name in args.names:
        if args.finish:
            from advdis_lessons.tools import long_run, run_log
            try:
                long_run.finish_now(name, device=args.device)
            except FileNotFoundError as err:
                parser.error(str(err))
            print(run_log.status(name))
            continue
        if args.resume:
            from advdis_lessons.tools import long_run, run_log
            run = long_run.open_run(name, device=args.device)
            extra = {"eval_every": args.eval_every} if args.eval_every else {}
            reason = long_run.train_for(run, args.minutes, **extra)
            print(f"{name}: stopped ({reason}) at step {run.step:,}; {run_log.status(name)}")
            continue
        side = remeasure(name) if args.remeasure else pretrain(name, args.budget, args.device, force=args.force)
        print(f"{name}: {side['steps']} steps in {side['wall_time_s']} s on {side['device']}; "
              f"metrics {side['metrics']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
