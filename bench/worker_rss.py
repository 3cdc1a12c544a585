"""Memory of one gunicorn worker after serving lists: VmRSS and VmHWM (its peak) from /proc.

Starts the tracker under `deploy/gunicorn.conf.py` with ONE sync worker on `--port`, sends
`--requests` open-list requests (JSON with an API token, and `--html` as many HTML ones signed
in), then reads the worker's /proc/<pid>/status and stops the server by its PID. Also prints the
heavy libraries the worker has loaded (from /proc/<pid>/maps), which a worker serving lists should
not need. Never run by the test suite.

    TRACKER_ENV=development TRACKER_DATABASE_URL=... .venv/bin/python bench/worker_rss.py \
        --port 8840 --requests 100
"""

from __future__ import annotations

import argparse
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from side_by_side import api_token, load, sign_in, start_server, stop

HEAVY = ("numpy", "imagehash", "pillow_heif", "PIL", "openpyxl", "docx", "lxml", "scipy", "pywt")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8840)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", default=None, help="the demo password by default")
    parser.add_argument("--html", action="store_true", help="HTML lists too, signed in")
    args = parser.parse_args()
    print(f"$ {shlex.join([sys.executable, *sys.argv])}")
    print(f"load before: {load()}")
    base = f"http://127.0.0.1:{args.port}"
    path = "/api/v1/tickets?state=reported,rectifying&sort=deadline&per_page=25"
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server("wsgi:app", args.port, 1, Path(tmp) / "tracker.log")
        try:
            commands = [
                [
                    "curl",
                    "-s",
                    "-o",
                    "/dev/null",
                    "-H",
                    f"Authorization: Bearer {api_token(args.user)}",
                    f"{base}{path}",
                ]
            ]
            if args.html:
                if args.password is None:
                    from tracker.demo import DEMO_PASSWORD

                    args.password = DEMO_PASSWORD
                jar = sign_in(base, args.user, args.password, Path(tmp) / "cookies.txt")
                commands.append(
                    ["curl", "-s", "-o", "/dev/null", "-b", jar, f"{base}/tickets?state=reported"]
                )
            for command in commands:
                for _ in range(args.requests):
                    subprocess.run(command, check=True)
            workers = subprocess.run(
                ["ps", "-o", "pid=", "--ppid", str(server.pid)], capture_output=True, text=True
            ).stdout.split()
            for pid in workers:
                status = Path(f"/proc/{pid}/status").read_text()
                rss, hwm = (
                    int(re.search(rf"{key}:\s+(\d+)", status).group(1)) / 1024  # type: ignore[union-attr]
                    for key in ("VmRSS", "VmHWM")
                )
                maps = Path(f"/proc/{pid}/maps").read_text()
                loaded = sorted({name for name in HEAVY if f"/site-packages/{name}" in maps})
                print(
                    f"worker {pid} after {args.requests} requests per shape: VmRSS {rss:.1f} MiB, "
                    f"VmHWM {hwm:.1f} MiB; heavy libraries with native code mapped: "
                    f"{', '.join(loaded) or 'none'}"
                )
        finally:
            stop(server)
    print(f"load after: {load()}")


if __name__ == "__main__":
    main()
