"""Harnesses shared by the tests and the benchmarks: PostgreSQL, a central process, halls."""
