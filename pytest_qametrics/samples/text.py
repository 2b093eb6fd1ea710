"""Text from tests made safe to carry and to show: UTF-8 encodable, and printable on one line."""

from __future__ import annotations

import re

__all__ = ["one_line", "safe_text"]

#: C0 and C1 control characters, DEL, the Unicode line and paragraph separators, and the two
#: noncharacters XML 1.0 forbids.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]")


def safe_text(text: str) -> str:
    """``text`` itself when it encodes as UTF-8; otherwise with each lone surrogate (such as
    ``os.fsdecode`` makes of a non-UTF-8 file name) written as a backslash escape ``\\udce9``.

    Every string a tracker keeps passes through here once, so a payload always travels
    (execnet refuses strings that are not UTF-8) and every report file can be written.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def one_line(text: str) -> str:
    """``text`` with every control character, newline and line separator escaped (``\\n``,
    ``\\x1b``), so a string from a test cannot start a new line, move the cursor or issue a
    CI workflow command when it is printed to a terminal or a CI log, and what is left is
    valid in an XML document (JUnit properties)."""
    return _CONTROL.sub(_escape, safe_text(text))
