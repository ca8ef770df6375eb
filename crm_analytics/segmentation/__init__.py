"""Customer segmentation: RFM scores and segments, value tiers, lifecycle stages, clusters.

Every function returns pandas objects indexed by customer_id; the estimators learn their
edges on one period and apply them unchanged to the next, so segments stay comparable.
"""

from __future__ import annotations

from crm_analytics.segmentation.clustering import CustomerClusterer
from crm_analytics.segmentation.lifecycle import LIFECYCLE_STAGES, lifecycle_stages
from crm_analytics.segmentation.rfm import DEFAULT_SEGMENT_MAP, RFMScorer, rfm_segments
from crm_analytics.segmentation.tiers import (
    VALUE_CLASSES,
    Concentration,
    concentration,
    segment_shares,
    value_matrix,
    value_tiers,
)

__all__ = [
    "DEFAULT_SEGMENT_MAP",
    "LIFECYCLE_STAGES",
    "VALUE_CLASSES",
    "Concentration",
    "CustomerClusterer",
    "RFMScorer",
    "concentration",
    "lifecycle_stages",
    "rfm_segments",
    "segment_shares",
    "value_matrix",
    "value_tiers",
]
