"""Frozen copy of the decoders as of commit b71927a, before the table-driven rewrite.

The reference oracle for tests/decoders/test_decoder_equivalence.py and for
scripts/bench_decoders.py: the live decoders must give exactly what these gave, for
every payload. Do not edit these modules to follow changes in the live ones; only
``base`` differs, re-exporting the live types so that results compare directly (and one
lint comment in ``mbus/profile.py``).
"""
