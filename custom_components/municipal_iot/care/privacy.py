"""Privacy checks of the care flows' and actions' free-text fields (see supervision.privacy).

Flows refuse a personal identity number and warn once about a possible name
(submitting the same text again keeps it). Actions and panel commands cannot ask
back: they refuse a personal identity number with a translated error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from homeassistant.exceptions import ServiceValidationError

from ..const import DOMAIN
from ..supervision.privacy import free_text_errors, has_personal_number

PERSONAL_NUMBER_ERROR = "personal_number_in_text"


class FreeTextGuard:
    """Remembers what a flow warned about, so an unchanged resubmission is accepted."""

    def __init__(self) -> None:
        """Start with nothing warned about."""
        self._warned: dict[str, str] = {}

    def errors(
        self, user_input: Mapping[str, Any], fields: Iterable[str], *, names: bool = True
    ) -> dict[str, str]:
        """Return the form errors for the free-text ``fields`` of ``user_input``.

        ``names=False`` skips the name warning (for proper names such as a unit's).
        """
        values = {key: str(user_input.get(key) or "").strip() for key in fields}
        errors = free_text_errors(values, self._warned)
        if not names:
            errors = {key: error for key, error in errors.items() if error != "possible_name"}
        self._warned = {key: values[key] for key, error in errors.items()}
        return errors


def refuse_personal_number(text: str, field: str) -> None:
    """Raise a translated ServiceValidationError when ``text`` holds a personal number."""
    if has_personal_number(text):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key=PERSONAL_NUMBER_ERROR,
            translation_placeholders={"field": field},
        )
