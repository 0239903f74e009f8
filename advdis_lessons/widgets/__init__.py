"""ipywidgets: the latent traversal explorer (``explorer``) and the attribute-swap explorer (``swap``)."""
from advdis_lessons.widgets.explorer import TraversalExplorer, traversal_explorer
from advdis_lessons.widgets.swap import SwapExplorer, swap_explorer

__all__ = ["SwapExplorer", "TraversalExplorer", "swap_explorer", "traversal_explorer"]
