"""Benchmarks of the scheduling engine that print tables (medians over seeds).

`bench.generate` makes realistic community weeks, `bench.baseline` the coordinator's greedy
roster, `bench.run` the main table, `bench.replan` the re-planning scenario; `bench.stats`
holds the generic helpers (timing, medians, peak memory, tables).
"""
