"""Network-server message parsing (ChirpStack v4, The Things Stack v3).

Pure Python, no Home Assistant imports: JSON bodies in, typed messages out.
"""
