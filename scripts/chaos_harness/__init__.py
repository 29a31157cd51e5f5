"""The chaos test of issue 7: load through a flaky node while processes die, then the chain is judged.

`scripts/chaos --help` lists the options; `run.py` is the order of events; `verify.py` holds
the checks (they read the chain, never the status store).
"""
