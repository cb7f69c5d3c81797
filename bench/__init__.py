"""Benchmarks of the CRM against its limits: `scripts/bench` (see bench/runner.py)."""
