"""Benchmarks/pipeline-throughput: transactions per second through the API, Kafka and the
workers to a node that takes 20-30 s a call and is not itself the limit (`sink.py`).

`run.py` is the order of events; `reference.py` measures the sink alone; `poster.py` fills the
requests topic through the API; `probe.py` reads what the processes are doing.
"""
