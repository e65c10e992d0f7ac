"""Benchmarks: each prints its figures (targets.md); none asserts a time.  Run with bin/bench."""
