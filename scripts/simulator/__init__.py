"""A LoRaWAN network-server simulator for Municipal IoT.

It POSTs the bodies ChirpStack v4 and The Things Stack send, with payload bytes
encoded the way the real devices encode them, to a Home Assistant webhook. Run it
against any Home Assistant to try a connection before the sensors arrive:
``python3 -m scripts.simulator --help`` (standard library only, Python 3.11+).
"""
