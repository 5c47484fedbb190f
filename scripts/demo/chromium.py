"""Debian's chromium as Playwright launches it here (screenshots and the browser test)."""

CHROMIUM = "/usr/bin/chromium"
# The flags known to work on the build machines: no sandbox as root, no GPU, and no
# background traffic to a network this machine cannot reach.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
