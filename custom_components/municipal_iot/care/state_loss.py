"""What staff and administrators are told when a care unit's supervision state was lost.

One urgent push to the staff for the whole unit (no apartment names, no personal
data: how many apartments must be checked; a tap opens the panel), journaled as
``notified`` with the first lost apartment, and a repair issue until every
apartment has been checked. Both go away when the last apartment is closed.
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import slugify

from ..const import DOMAIN
from ..supervision.journal import NOTIFIED
from .config import ApartmentConfig
from .notify import CareNotifier
from .push import panel_path, urgent

STATE_LOST_ISSUE = "care_state_lost"


def _tag(notifier: CareNotifier) -> str:
    return f"{DOMAIN}_{slugify(notifier.config.title)}_state_lost"


def _issue_id(entry_id: str) -> str:
    return f"{STATE_LOST_ISSUE}_{entry_id}"


@callback
def announce_state_lost(
    hass: HomeAssistant,
    notifier: CareNotifier,
    entry_id: str,
    lost: list[ApartmentConfig],
    backup: str,
) -> None:
    """Tell staff once (a push) and the administrator (a repair issue)."""
    notifier.queue(lambda: _async_push(notifier, lost))
    ir.async_create_issue(
        hass,
        DOMAIN,
        _issue_id(entry_id),
        is_fixable=False,
        is_persistent=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=STATE_LOST_ISSUE,
        translation_placeholders={
            "unit": notifier.config.title,
            "count": str(len(lost)),
            "backup": backup,
        },
    )


async def _async_push(notifier: CareNotifier, lost: list[ApartmentConfig]) -> None:
    path = panel_path()
    data = urgent(
        {
            "tag": _tag(notifier),
            "group": f"{DOMAIN}_{slugify(notifier.config.title)}",
            "visibility": "private",
            "url": path,
            "clickAction": path,
        },
        critical=notifier.config.critical,
    )
    title = notifier.texts.get("state_lost_title", unit=notifier.config.title)
    message = notifier.texts.get("state_lost_message", count=len(lost))
    sent = await notifier.async_send_locked(lost[0], title, message, data)
    targets = notifier.config.staff_targets
    notifier.record(
        lost[0],
        NOTIFIED,
        {"notification": "state_lost", "targets": sent, "persistent": len(sent) < len(targets)},
    )


@callback
def withdraw_state_lost(
    hass: HomeAssistant, notifier: CareNotifier, entry_id: str, apartment: ApartmentConfig
) -> None:
    """Every apartment has been checked: take the push and the repair issue away."""
    ir.async_delete_issue(hass, DOMAIN, _issue_id(entry_id))
    notifier.queue(lambda: notifier.async_clear_tag(apartment, _tag(notifier)))
