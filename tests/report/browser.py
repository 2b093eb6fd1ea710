"""Headless Chromium driven by Playwright, on the system's chromium: no browser is downloaded."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, Request

__all__ = ["FLAGS", "Visit", "chromium_path", "launch", "visit"]

#: Chromium flags of every launch: headless, no sandbox (CI runs as root), nothing phoning home.
#: Playwright gives every launch a fresh temporary profile (--user-data-dir) of its own.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    """$QAMETRICS_CHROMIUM, else Debian's chromium (or chromium-browser) on PATH, else None."""
    configured = os.environ.get("QAMETRICS_CHROMIUM")
    if configured:
        return configured if Path(configured).is_file() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _missing(reason: str) -> None:
    """Fail under CI (the browser checks must run there), skip on a developer's machine."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must run the browser checks", pytrace=False)
    pytest.skip(reason)


@contextmanager
def launch() -> Iterator[Browser]:
    """A headless Chromium, or a skip (a failure when CI=true) saying what is missing."""
    executable = chromium_path()
    if executable is None:
        _missing("no Chromium: apt-get install chromium (or set QAMETRICS_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is missing: pip install -e '.[dev]'")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Visit:
    """A loaded page and everything it did while loading and afterwards."""

    page: Page
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def requests_elsewhere(self) -> list[str]:
        """Every request but the page's own document."""
        return [url for url in self.requests if url != self.page.url]


@contextmanager
def visit(browser: Browser, path: Path, *, javascript: bool = True) -> Iterator[Visit]:
    """Open ``path`` in a fresh context that records console errors, requests and dialogs."""
    context = browser.new_context(java_script_enabled=javascript, offline=True)
    try:
        page = context.new_page()
        seen = Visit(page)

        def console(message: ConsoleMessage) -> None:
            if message.type in ("error", "warning"):
                seen.errors.append(f"{message.type}: {message.text}")

        def dialog(opened: Dialog) -> None:
            seen.dialogs.append(opened.message)
            opened.dismiss()

        def request(sent: Request) -> None:
            seen.requests.append(sent.url)

        page.on("console", console)
        page.on("pageerror", lambda error: seen.errors.append(f"page error: {error}"))
        page.on("dialog", dialog)
        page.on("request", request)
        page.goto(path.as_uri(), wait_until="load")
        yield seen
    finally:
        context.close()
