"""python -m pipeline_throughput [options]: see Benchmarks/pipeline-throughput --help."""

import sys

from .options import parse
from .run import main

if __name__ == "__main__":
    sys.exit(main(parse(sys.argv[1:])))
