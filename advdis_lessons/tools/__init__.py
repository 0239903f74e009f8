"""Maintainer tools, not imported by the lessons: ``pretrain`` (shipped checkpoints and resumable long runs,
with ``long_run``) and ``nbtools`` (render, student copies, stamp checks). Run them with ``python -m``."""
