"""Keep secrets out of what we say: targets shown without their secret parts, reasons scrubbed."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

__all__ = ["MASK", "Redactor", "shown_url", "url_secrets"]

MASK = "***"


def shown_url(url: str) -> str:
    """``scheme://host:port`` of a URL, with ``/***`` where a path or query was (they may hold
    a token, as a Slack webhook's path does); user and password are never shown."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return f"<a URL that cannot be parsed>/{MASK}"
    secret_tail = parts.path.strip("/") or parts.query or parts.fragment
    return f"{parts.scheme}://{host}{port}" + (f"/{MASK}" if secret_tail else "")


def url_secrets(url: str) -> list[str]:
    """The parts of a URL to scrub from messages: user info, path and query, and the whole URL
    when it has one of those (a bare ``scheme://host:port`` is no secret)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return [url]
    found = [parts.query, parts.fragment]
    if "@" in parts.netloc:
        found.append(parts.netloc.rsplit("@", 1)[0])
    if parts.path.strip("/"):
        found.append(parts.path)
    found = [part for part in found if part]
    return [url, *found] if found else []


class Redactor:
    """Replaces every known secret in a text by ``***``, longest secret first."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # a secret of one or two characters would mask half of every message; none is that short
        self.secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text

    def joined(self, other: Redactor) -> Redactor:
        """A redactor of both sets of secrets."""
        return Redactor([*self.secrets, *other.secrets])
