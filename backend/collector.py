"""Python's cyclic garbage collector, set for a server that holds many live streams.

With the default thresholds a full collection ran every few events once 1,000 subscribers were
connected, walking every live object (about 500 per subscriber) for 150–450 ms while no frame was sent:
the fan-out's tail latency was the collector's (docs/benchmarks.md). Objects made at start-up (the
schema, the models, the UI's modules) are frozen out of its walks, and young collections run after
50,000 allocations rather than 700, so that full ones are rare. Memory stays bounded: unreachable
cycles are still collected, only less often.
"""

from __future__ import annotations

import gc

THRESHOLDS = (50_000, 20, 10)


def tune() -> None:
    """Called once the application has started, in each worker process."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
