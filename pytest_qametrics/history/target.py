"""Where the history lives: an SQLite file or a PostgreSQL server, and how messages name it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

__all__ = ["HistoryTarget", "is_server", "parse_target", "redact"]

_SCHEMES = ("postgresql://", "postgres://")
_URL_PASSWORD = re.compile(r"(?P<head>\b(?:postgres|postgresql)://[^:/@\s]*):(?P<secret>[^@\s]*)@")
_KEYWORD_PASSWORD = re.compile(
    r"(?P<head>\bpassword\s*=\s*)(?P<secret>'(?:[^'\\]|\\.)*'|\S+)", re.I
)
_QUERY_PASSWORD = re.compile(r"(?P<head>[?&]password=)(?P<secret>[^&\s]*)", re.I)
HIDDEN = "***"


def is_server(text: str) -> bool:
    """True when ``text`` names a PostgreSQL server: a URL or a libpq ``service=`` string."""
    value = text.strip()
    return value.lower().startswith(_SCHEMES) or value.lower().startswith("service=")


def _secrets(text: str) -> list[str]:
    found = [m["secret"] for m in _URL_PASSWORD.finditer(text)]
    found += [m["secret"].strip("'") for m in _KEYWORD_PASSWORD.finditer(text)]
    found += [m["secret"] for m in _QUERY_PASSWORD.finditer(text)]
    return [s for s in {*found, *(unquote(s) for s in found)} if s]


def redact(text: str, *secrets: str) -> str:
    """``text`` with every password in it (URL, ``password=`` keyword, ``secrets``) hidden."""
    hidden = _URL_PASSWORD.sub(lambda m: f"{m['head']}:{HIDDEN}@", text)
    hidden = _KEYWORD_PASSWORD.sub(lambda m: f"{m['head']}{HIDDEN}", hidden)
    hidden = _QUERY_PASSWORD.sub(lambda m: f"{m['head']}{HIDDEN}", hidden)
    for secret in sorted({s for s in secrets if len(s) >= 3}, key=len, reverse=True):
        hidden = hidden.replace(secret, HIDDEN)
    return hidden


def _server_name(dsn: str) -> str:
    """``postgresql://user@host:port/db`` without the password or query, or the service name."""
    if not dsn.lower().startswith(_SCHEMES):
        return redact(dsn)
    parts = urlsplit(dsn)
    user = unquote(parts.username or "")
    host = parts.netloc.rpartition("@")[2] or "localhost"
    return f"postgresql://{user + '@' if user else ''}{host}{parts.path}"


@dataclass(frozen=True, slots=True)
class HistoryTarget:
    """An SQLite history file (``path``) or a PostgreSQL server (``dsn``).

    ``shown`` is how every message names it: never with a password.
    """

    kind: Literal["sqlite", "postgresql"]
    path: Path | None = None
    dsn: str = ""

    @property
    def shown(self) -> str:
        """The name used in messages: the file path, or the server URL without credentials."""
        return str(self.path) if self.path is not None else _server_name(self.dsn)

    @property
    def secrets(self) -> tuple[str, ...]:
        """The passwords written into ``dsn`` (to hide them from any message)."""
        return tuple(_secrets(self.dsn))

    def hide(self, text: str) -> str:
        """``text`` with this target's passwords hidden."""
        return redact(text, *self.secrets)

    def __str__(self) -> str:
        return self.shown


def parse_target(text: str, directory: Path | None = None) -> HistoryTarget:
    """A server URL or ``service=`` string as it is; anything else is a file path.

    A relative path is taken relative to ``directory`` when given.
    """
    value = text.strip()
    if is_server(value):
        return HistoryTarget("postgresql", dsn=value)
    path = Path(value)
    return HistoryTarget("sqlite", path=directory / path if directory is not None else path)
