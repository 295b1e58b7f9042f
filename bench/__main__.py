"""``python -m bench``: run the benchmarks and regenerate docs/BENCHMARKS.md (:mod:`bench.harness`)."""

import sys

from bench.harness import main

sys.exit(main())
