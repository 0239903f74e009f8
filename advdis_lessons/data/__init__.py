"""The data: a procedural renderer of dSprites and the data set built on it (lessons 00-01).

``dsprites`` (factors, ``DSprites``, ``render``, ``load_official``), ``sprites`` (the shapes' geometry),
``labels`` (partial and flipped labels for lesson 06), ``batch_stream`` (resumable seeded batches).
"""
from advdis_lessons.data.batch_stream import BatchStream
from advdis_lessons.data.dsprites import (
                                         FACTOR_NAMES,
                                         FACTOR_SIZES,
                                         FACTOR_VALUES,
                                         SHAPE_NAMES,
                                         CorrelatedDSprites,
                                         DSprites,
                                         OfficialDSprites,
                                         factor_index,
                                         load_official,
                                         mean_pixel_intensity,
                                         render,
                                         validate_classes,
)
from advdis_lessons.data.sprites import render_values

__all__ = ["FACTOR_NAMES", "FACTOR_SIZES", "FACTOR_VALUES", "SHAPE_NAMES", "BatchStream", "CorrelatedDSprites",
           "DSprites", "OfficialDSprites", "factor_index", "load_official", "mean_pixel_intensity", "render",
           "render_values", "validate_classes"]
