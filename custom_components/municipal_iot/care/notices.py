"""The unit banner of the Tillsyn panel: the care unit's own rules (no personal data).

An active network outage ("sensors offline in N of M apartments", with the
apartments' labels) and the test alarm ("provlarm"): one waiting for a
"received" tap, and the last one nobody answered in time (until a test is
received).
"""

from __future__ import annotations

from typing import Any

from ..supervision.timeutil import iso
from .unit import CareUnit


def unit_notices(unit: CareUnit) -> dict[str, Any]:
    """Return what the panel shows above the unit's tiles."""
    outage = unit.network.outage
    test = unit.test_alarm.panel_state()
    return {
        "network_outage": None
        if outage is None
        else {
            "since": iso(outage.since),
            "count": len(outage.apartments),
            "of": len(unit.apartments),
            "apartments": unit.network.labels(outage),
        },
        "test_alarm_pending": test["pending"],
        "test_alarm_unanswered": test["unanswered"],
    }
