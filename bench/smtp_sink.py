"""SMTP sink for the benchmarks, run as its own process (as the Redmine peer's bench runs its sink).

    .venv/bin/python bench/smtp_sink.py --port 8850 --stats /tmp/sink.stats

Accepts every message on 127.0.0.1:PORT and rewrites STATS after each one with two numbers, the
messages and the bytes received so far (written to a temporary file and renamed, so a reader never
sees half a line). The benchmark starts it, reads STATS to check what arrived and stops it by its
PID; in a thread of the benchmark's own process the sink's parsing would compete with the sender
for the GIL and count in the measured time.
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
from pathlib import Path

from aiosmtpd.controller import Controller


class Counter:
    """Counts messages and bytes, and rewrites the stats file after each message."""

    def __init__(self, stats: Path) -> None:
        self.stats = stats
        self.count = 0
        self.bytes = 0
        self.write()

    def write(self) -> None:
        tmp = self.stats.with_name(self.stats.name + ".tmp")
        tmp.write_text(f"{self.count} {self.bytes}\n")
        os.replace(tmp, self.stats)

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.count += 1
        self.bytes += len(envelope.content)
        self.write()
        return "250 OK"


def read_stats(stats: Path) -> tuple[int, int]:
    """The messages and bytes the sink has received so far."""
    count, size = stats.read_text().split()
    return int(count), int(size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--stats", type=Path, required=True)
    args = parser.parse_args()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    controller = Controller(Counter(args.stats), hostname="127.0.0.1", port=args.port)
    controller.start()
    print(f"smtp sink on 127.0.0.1:{args.port}, stats in {args.stats}", flush=True)
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
