"""Figures (``ax=None`` in, axes out): images, traversals and training curves (``core``), sweeps (``sweep``),
total correlation (``tc``), prior matching (``aae``), masking (``masking``) and long runs' metrics over steps (``long_runs``)."""
from advdis_lessons.plots.core import (
                                       LiveCurves,
                                       decode_probs,
                                       kl_bars,
                                       mosaic,
                                       reconstructions,
                                       show_images,
                                       training_curves,
                                       traversal_grid,
)

__all__ = ["LiveCurves", "decode_probs", "kl_bars", "mosaic", "reconstructions", "show_images", "training_curves",
           "traversal_grid"]
