"""Tests of the simulator in scripts/simulator (encoders checked against our decoders)."""
