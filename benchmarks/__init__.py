"""Timed comparisons of the engine, printed as tables: ``python -m benchmarks``."""
