"""Keep engine notices waiting for Home Assistant's start over a reload of their unit.

Notices raised before ``EVENT_HOMEASSISTANT_STARTED`` wait in the unit's
notifier. A care unit entry that reloads during startup (options saved, an
apartment added) restores its alarms as already raised, so its engine does not
raise them again: the waiting notices must come along. The stopping unit parks
its notifier; the unit set up next for the same entry takes it over. At the
start, notifiers no unit took over are dropped (their entry was unloaded).
"""

from __future__ import annotations

from homeassistant.core import CoreState, HomeAssistant, callback
from homeassistant.helpers.start import async_at_started
from homeassistant.util.hass_dict import HassKey

from ..const import DOMAIN
from .notify import CareNotifier

_PARKED: HassKey[dict[str, CareNotifier]] = HassKey(f"{DOMAIN}_parked_notifiers")


@callback
def park(hass: HomeAssistant, entry_id: str, notifier: CareNotifier) -> None:
    """Stop a unit's notifier; before the start, keep its notices for a reload."""
    starting = hass.state is not CoreState.running
    notifier.stop(keep_notices=starting)
    if not starting:
        return
    if _PARKED not in hass.data:
        hass.data[_PARKED] = {}
        async_at_started(hass, _drop_parked)
    hass.data[_PARKED][entry_id] = notifier


@callback
def take_over(hass: HomeAssistant, entry_id: str) -> CareNotifier | None:
    """Return the notifier the entry's previous unit parked, if any."""
    return hass.data.get(_PARKED, {}).pop(entry_id, None)


@callback
def _drop_parked(hass: HomeAssistant) -> None:
    hass.data.pop(_PARKED, None)
