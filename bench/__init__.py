"""Benchmarks of the function app on Azurite.

Absolute times depend on the machine, so every benchmark also measures a floor in the same run and
reports its result as a ratio against it; `python -m bench` (or `make bench`) runs them all.
"""
