"""Device names and errors from a network server are shown literally in repair issues.

Issue 10 defect 11: HTML and markdown in a name went raw into the repair issue, which
renders markdown: a phishing link in Home Assistant's own UI.
"""

from __future__ import annotations

import html
import re

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from markdown_it import MarkdownIt

from custom_components.municipal_iot.const import DOMAIN
from custom_components.municipal_iot.lorawan.markdown import MAX_SHOWN_CHARS, inert
from custom_components.municipal_iot.repairs import async_create_fix_flow
from tests.network import WEBHOOK_CS, Poster, chirpstack_up, network_entry, setup_entry

pytestmark = pytest.mark.usefixtures("frozen_clock")

HOSTILE_NAMES = [
    "[Logga in här](https://evil.example/login)",
    "![x](https://evil.example/pixel.png)",
    "<a href='https://evil.example'>lgh 3</a>",
    "<img src=x onerror=alert(1)>",
    "<https://evil.example>",
    "**VIKTIGT** _ring_ `0701234567` ~~nu~~",
    "&lt;script&gt; &#x3c;b&#x3e;",
    "lgh 3 \\[x\\](y)",
    "{name} {{dev_eui}}",
    "apt-12-motion",
]

# Home Assistant's frontend renders repair texts as markdown with HTML allowed.
_RENDER = MarkdownIt("commonmark", {"html": True})


def _rendered(text: str) -> str:
    return str(_RENDER.render(f"The device {text} sends uplinks.")).strip()


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_name_renders_as_its_own_text(name: str) -> None:
    rendered = _rendered(inert(name))
    inner = rendered.removeprefix("<p>").removesuffix("</p>")
    assert "<" not in inner  # no element at all: no link, image, emphasis or raw HTML
    assert html.unescape(inner) == f"The device {name} sends uplinks."


def test_the_raw_names_would_render_as_markup() -> None:
    """The check above can fail: without escaping these names do become elements."""
    raw = [_rendered(name) for name in HOSTILE_NAMES[:6]]
    assert all(re.search(r"<(a|img|strong|code)\b", text) for text in raw)


def test_control_characters_become_spaces_and_the_text_is_bounded() -> None:
    assert inert("lgh 3\r\nINFO forged line\x00\u2028") == "lgh 3  INFO forged line  "
    long = inert("x" * 10_000)
    assert long == "x" * MAX_SHOWN_CHARS + "…"
    assert inert("go to www.evil.example") == "go to www\\.evil.example"


async def test_unknown_device_issue_shows_the_name_literally(
    hass: HomeAssistant, post: Poster
) -> None:
    name = "[Logga in här](https://evil.example/login) <b>lgh</b>"
    entry = await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS, auto_add=False))
    code, _ = await post(WEBHOOK_CS, chirpstack_up("0100e20501", name=name), event="up")
    assert code == 202
    issue_id = f"unknown_device_{entry.entry_id}_a81758fffe0312ab"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders is not None
    shown = issue.translation_placeholders["name"]
    assert shown == inert(name)
    assert "<" not in _rendered(shown).removeprefix("<p>").removesuffix("</p>")

    flow = await async_create_fix_flow(hass, issue_id, dict(issue.data or {}))
    flow.hass = hass
    result = await flow.async_step_init()
    assert result["description_placeholders"] == {"dev_eui": "a81758fffe0312ab", "name": shown}
