"""python -m chaos_harness [options]: see scripts/chaos --help."""

import sys

from .options import parse
from .run import main

if __name__ == "__main__":
    sys.exit(main(parse(sys.argv[1:])))
