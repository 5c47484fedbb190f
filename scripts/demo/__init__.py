"""The demo: a real Home Assistant with a living LSS home and water meters.

``scripts/develop`` runs :mod:`.__main__`; the end-to-end tests and
``scripts/screenshots`` use the same pieces: :mod:`.hass` starts Home Assistant,
:mod:`.client` talks to it through its public HTTP and websocket APIs only,
:mod:`.site` creates the demo's users and entries, :mod:`.phone` is a simulated
staff phone.
"""
