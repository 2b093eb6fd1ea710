"""Serve the support bot in the foreground: ``python -m supportbot [port]`` (default 8080)."""

from __future__ import annotations

import contextlib
import sys

from supportbot.server import start_server


def main(argv: list[str]) -> None:
    """Serve until Ctrl-C."""
    port = int(argv[0]) if argv else 8080
    with start_server(port=port) as server:
        print(f"support bot listening on {server.url} (Ctrl-C stops it)")
        with contextlib.suppress(KeyboardInterrupt):
            server.wait()


if __name__ == "__main__":
    main(sys.argv[1:])
