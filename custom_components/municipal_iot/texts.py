"""Notification, logbook and export texts from the translation files (``common`` section).

Texts are read in the system language by default, or in a user's language;
English fills any gap. The async loader reads the files once per language; the
cached reader serves callbacks after :func:`async_get_texts` (or HA's own
translation loading) has run for that language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.translation import (
    async_get_cached_translations,
    async_get_translations,
)

from .const import DOMAIN

_PREFIX = f"component.{DOMAIN}.common."
# The keys of a logbook description (homeassistant.components.logbook.const), written
# out so that loading this integration does not import the logbook and its recorder.
LOGBOOK_ENTRY_NAME = "name"
LOGBOOK_ENTRY_MESSAGE = "message"
LOGBOOK_ENTRY_ENTITY_ID = "entity_id"


class Texts:
    """The ``common`` texts of this integration in one language."""

    def __init__(self, strings: Mapping[str, str]) -> None:
        """Wrap flattened translations (``component.<domain>.common.<key>``)."""
        self._strings = {key.removeprefix(_PREFIX): value for key, value in strings.items()}

    def get(self, key: str, **placeholders: object) -> str:
        """Return one text with its placeholders filled in (the key if missing)."""
        text = self._strings.get(key, key)
        return text.format(**placeholders) if placeholders else text

    def has(self, key: str) -> bool:
        """Return True when the text exists."""
        return key in self._strings


async def async_get_texts(hass: HomeAssistant, language: str | None = None) -> Texts:
    """Load the texts in ``language`` (default: the system language)."""
    lang = language or hass.config.language
    return Texts(await async_get_translations(hass, lang, "common", [DOMAIN]))


@callback
def cached_texts(hass: HomeAssistant, language: str | None = None) -> Texts:
    """Return the already loaded texts in ``language`` (default: the system language)."""
    lang = language or hass.config.language
    return Texts(async_get_cached_translations(hass, lang, "common", DOMAIN))


@callback
def logbook_entry(
    hass: HomeAssistant, name: object, key: str, fallback: str, entity_id: object = None
) -> dict[str, Any]:
    """Return a logbook entry: its name, the ``common.<key>`` text and the entity it is about."""
    texts = cached_texts(hass)
    entry: dict[str, Any] = {
        LOGBOOK_ENTRY_NAME: name or DOMAIN,
        LOGBOOK_ENTRY_MESSAGE: texts.get(key) if texts.has(key) else fallback,
    }
    if isinstance(entity_id, str):
        entry[LOGBOOK_ENTRY_ENTITY_ID] = entity_id
    return entry
