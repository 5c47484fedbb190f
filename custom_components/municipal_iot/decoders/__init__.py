"""Pure-Python LoRaWAN payload decoders.

Each decoder turns one FRMPayload into a :class:`~.base.Decoded` value. The
package never imports Home Assistant; :mod:`.registry` lists the decoders and
picks one from network-server device metadata.
"""
