"""Host identifier: the radio + optical two-backbone network of seed §3.3 / Figure 5.

Public API (kept stable for ``ml.evaluation`` and ``ml.inference``):

- :class:`ml.host.model.HostConfig`, :func:`ml.host.model.host_identifier`
- :func:`ml.host.decision.decide`, :func:`ml.host.decision.format_table3`
"""

from ml.host.decision import FieldDecision, decide, decide_field, format_table3
from ml.host.model import HostConfig, HostIdentifier, host_identifier

__all__ = [
    "FieldDecision",
    "HostConfig",
    "HostIdentifier",
    "decide",
    "decide_field",
    "format_table3",
    "host_identifier",
]
