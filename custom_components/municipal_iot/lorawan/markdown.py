"""Network-server text made inert where Home Assistant renders it as markdown.

Repair issues render their placeholders as markdown (and HTML), so a device name such as
``[check](https://evil.example)`` would become a link in Home Assistant's own UI. Every
character that starts markdown or HTML inline is backslash-escaped (CommonMark shows an
escaped ASCII punctuation character as itself), autolinks are broken the same way, line
breaks and other control characters become spaces, and the text is bounded.
"""

from __future__ import annotations

import re
import unicodedata

MAX_SHOWN_CHARS = 100

_SPECIAL = frozenset("\\`*_{}[]()#+!|<>~&:=\"'")
# Control, format, surrogate, private and unassigned code points, and line/paragraph breaks.
_BREAKS = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_WWW = re.compile(r"(?i)\bwww\.")  # an autolink needs no scheme after "www."


def inert(text: str, limit: int = MAX_SHOWN_CHARS) -> str:
    """Return ``text`` shown literally by a markdown renderer, at most ``limit`` characters."""
    bounded = text[:limit]
    shown = "".join(" " if unicodedata.category(char) in _BREAKS else char for char in bounded)
    escaped = "".join(f"\\{char}" if char in _SPECIAL else char for char in shown)
    escaped = _WWW.sub(lambda match: match.group(0)[:-1] + "\\.", escaped)
    return escaped + ("…" if len(text) > limit else "")
