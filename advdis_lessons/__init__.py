"""advdis_lessons: the helper package of the advdis course on adversarial disentanglement.

Modules: config (budgets, seeds, device), data (dSprites renderer), models, objectives,
training, checkpoints, metrics, plots, widgets, exercises. Lessons import what they teach.
"""
__version__ = "0.1.0"
