"""EN 13757-3 (M-Bus / OMS) application-layer parser for LoRaWAN water meters.

The FRMPayload of a Kamstrup flowIQ 2200 or Sensus iPERL is the OMS application layer
without the wM-Bus link layer: a CI byte, an optional short (``0x7A``) or long (``0x72``)
transport header, then DIF/DIFE/VIF/VIFE data records. :mod:`.header` parses the header,
:mod:`.records` the records, :mod:`.coding` decodes the data types water meters use
(integers, BCD, reals, dates of type F, G and I) and :mod:`.profile` expands inverse
compact profiles (EN 13757-3:2018 Annex F) into timed register values. Decryption lives
in :mod:`..oms_crypto`; what a manufacturer's own VIFEs mean is passed in as a
:class:`ManufacturerCoding` (for example :data:`..kamstrup.KAMSTRUP`).

Deliberate choices, following the Kamstrup-authored driver the vectors come from:

* an unknown manufacturer-specific VIFE (after ``0xFF``), an LVAR that is not an inverse
  compact profile, a compact profile without base value or base time, and a truncated
  record are errors; unknown standard VIFs are kept as records of unknown quantity;
* integers are signed (type B) except for codes and counters (type C/D); the most negative
  value (type B) or all ones (type C) marks an invalid value, reported as ``None`` with a
  warning.
"""

from .coding import Coding, ManufacturerCoding, Quantity, VifeTable
from .header import (
    CI_LONG_HEADER,
    CI_NO_HEADER,
    CI_SHORT_HEADER,
    Address,
    Header,
    parse_header,
    status_alarms,
)
from .profile import CompactProfile, ProfileMode, step_back
from .records import Frame, Function, Record, Series, parse_records

__all__ = [
    "CI_LONG_HEADER",
    "CI_NO_HEADER",
    "CI_SHORT_HEADER",
    "Address",
    "Coding",
    "CompactProfile",
    "Frame",
    "Function",
    "Header",
    "ManufacturerCoding",
    "ProfileMode",
    "Quantity",
    "Record",
    "Series",
    "VifeTable",
    "parse_header",
    "parse_records",
    "status_alarms",
    "step_back",
]
