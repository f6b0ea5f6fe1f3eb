"""Host identifier: the radio + optical two-backbone network of seed §3.3 / Figure 5.

Public API (kept stable for ``ml.evaluation`` and ``ml.host.engine``):

- :class:`ml.host.model.HostConfig`, :func:`ml.host.model.host_identifier`
- :func:`ml.host.decision.decide`, :func:`ml.host.decision.format_table3`

The network names are resolved lazily (PEP 562): ``ml.host.decision`` is numpy only and
is imported by the CPU identification workers, which must not pay for torch (~900 MB RSS,
~3 s) just because the package's ``__init__`` named the CNN.
"""

from ml.host.decision import FieldDecision, decide, decide_field, format_table3

_MODEL_NAMES = ("HostConfig", "HostIdentifier", "host_identifier")

__all__ = [
    "FieldDecision",
    "HostConfig",
    "HostIdentifier",
    "decide",
    "decide_field",
    "format_table3",
    "host_identifier",
]


def __getattr__(name: str):
    if name in _MODEL_NAMES:
        from ml.host import model

        return getattr(model, name)
    raise AttributeError(f"module 'ml.host' has no attribute {name!r}")
