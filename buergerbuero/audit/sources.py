"""What the audit log's page learns from the apps above it.

Entries name an office only by its id (an entry about an office, or ``data["office"]``), and offices sit
above the audit log, which every action of theirs writes to. So the offices app hands over the names of
an authority's offices when Django starts (``OfficesConfig.ready``), as the apps above offices do with
``offices.selectors.live_sources``. Without it the page simply offers no office filter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


def _no_offices(authority_id: int) -> list[tuple[int, str]]:
    return []


@dataclass
class Sources:
    # The offices of an authority as (id, name), archived ones included: old entries still name them.
    office_names: Callable[[int], list[tuple[int, str]]] = _no_offices


sources = Sources()
