"""Benchmarks/tracking-throughput: transactions tracked per second by one worker behind a node
that takes 20-30 s a call, next to what that node allows at the worker's concurrency.

`run.py` is the order of events; `reference.py` measures the node's ceiling; `sampler.py`
watches the pipeline; `figures.py` turns what it saw into the figures.
"""
