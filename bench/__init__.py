"""Benchmarks of the intake, run together by `make bench` (python -m bench)."""
