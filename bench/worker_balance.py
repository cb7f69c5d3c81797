"""How `crm serve --workers N` shares keep-alive connections: 16 opened at once, a request on each, then how many
each worker process holds (`ss`). Run against a server already listening: `python -m bench.worker_balance PORT
ROUNDS`; docs/benchmarks.md has the figures."""

from __future__ import annotations

import collections
import http.client
import re
import subprocess
import sys
import time

CONNECTIONS = 16


def held_per_worker(port: int) -> list[int]:
    """One round: the connections each worker holds, fewest first."""
    connections = [http.client.HTTPConnection("127.0.0.1", port) for _ in range(CONNECTIONS)]
    for connection in connections:
        connection.connect()
    for connection in connections:
        connection.request("GET", "/healthz")
        connection.getresponse().read()
    listing = subprocess.run(["ss", "-tnpH", "state", "established", f"( sport = :{port} )"], capture_output=True,
                             text=True, check=True).stdout
    held = sorted(collections.Counter(re.findall(r"pid=(\d+)", listing)).values())
    for connection in connections:
        connection.close()
    return held


def main(port: int, rounds: int) -> None:
    for _ in range(rounds):
        print(held_per_worker(port), flush=True)
        time.sleep(0.3)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
