"""Run the support-bot suite and push its metrics to a local Pushgateway, in one command.

From the repository root::

    python examples/support_bot/push_local.py            # start a gateway, push, show, stop
    python examples/support_bot/push_local.py --keep     # leave the gateway running
    python examples/support_bot/push_local.py --gateway http://127.0.0.1:9091   # use yours

Without ``--gateway`` it starts Debian's ``prometheus-pushgateway`` on 127.0.0.1 at a free port,
runs ``python -m pytest examples/support_bot -n 2 --qametrics-pushgateway=URL``, prints the
p95 per endpoint and the SLO verdicts the gateway now serves, and stops the gateway again. The
exit status is the test run's.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _start_gateway() -> tuple[subprocess.Popen[bytes], str]:
    binary = shutil.which("prometheus-pushgateway")
    if binary is None:
        sys.exit("prometheus-pushgateway is not installed (apt-get install prometheus-pushgateway)")
    url = f"http://127.0.0.1:{_free_port()}"
    address = url.removeprefix("http://")
    # in memory only (Debian's default persists every group to a file in /var/lib/prometheus)
    flags = [f"--web.listen-address={address}", "--persistence.file=", "--log.level=warn"]
    gateway = subprocess.Popen([binary, *flags])
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"{url}/-/ready", timeout=1):
                return gateway, url
        except OSError:
            time.sleep(0.1)
    gateway.terminate()
    sys.exit(f"the Pushgateway at {url} did not start")


def _show(url: str) -> None:
    with urllib.request.urlopen(f"{url}/metrics", timeout=5) as answer:
        page = answer.read().decode("utf-8")
    wanted = ("qametrics_latency_p95_seconds{", "qametrics_slo_passed{", "qametrics_run_passed{")
    lines = [line for line in page.splitlines() if line.startswith(wanted)]
    print(f"\nthe Pushgateway at {url} now serves {len(lines)} of these series (and more):")
    for line in lines:
        print(f"  {line}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gateway", help="Push to this running Pushgateway instead.")
    parser.add_argument("--keep", action="store_true", help="Leave the started gateway running.")
    args = parser.parse_args()
    gateway, url = (None, args.gateway) if args.gateway else _start_gateway()
    try:
        command = [sys.executable, "-m", "pytest", str(EXAMPLE), "-n", "2", "-q"]
        done = subprocess.run([*command, f"--qametrics-pushgateway={url}"], check=False)
        _show(url)
        if gateway is not None and args.keep:
            print(f"\nthe gateway keeps running at {url} (process {gateway.pid})")
            gateway = None
        return done.returncode
    finally:
        if gateway is not None:
            gateway.terminate()
            gateway.wait(10)


if __name__ == "__main__":
    sys.exit(main())
