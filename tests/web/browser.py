"""Headless Chromium from Debian, driven by Playwright: never ``playwright install``, never the network."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

CHROMIUM = Path("/usr/lib/chromium/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


def chromium_path() -> Path:
    """Debian's chromium; a clear error when it is missing (``make test`` installs it)."""
    if CHROMIUM.is_file():
        return CHROMIUM
    found = shutil.which("chromium")
    raise RuntimeError(
        f"the browser test needs Debian's chromium at {CHROMIUM}"
        + (f" (found {found}, but not the binary Playwright drives)" if found else "")
        + ": run `bash scripts/install-system-deps.sh` as root or `sudo apt-get install chromium`"
    )


@contextlib.contextmanager
def browser_page(width: int = 1280, height: int = 900) -> Iterator[object]:
    """A fresh page of headless Chromium that accepts downloads."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as e:
        raise RuntimeError("the browser test needs playwright: pip install -e '.[test]'") from e
    path = chromium_path()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(path), headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
            page = context.new_page()
            page.set_default_timeout(90_000)
            yield page
        finally:
            browser.close()


def open_tab(page, name: str, shows: str, tries: int = 4) -> None:
    """Click the tab ``name`` until the element ``shows`` is visible.

    A click that lands before Gradio's scripts have hydrated the page is lost; on a busy machine that happens.
    """
    for attempt in range(tries):
        page.get_by_role("tab", name=name).click()
        try:
            page.locator(shows).first.wait_for(state="visible", timeout=15_000)
            return
        except Exception:
            if attempt == tries - 1:
                raise


def upload(page, into: str, path: Path, tries: int = 3, reopen=None) -> None:
    """Give the file at ``path`` to the upload component ``into`` and wait until it shows the file's name.

    The file input goes away once the component holds a file, so a retry gives the file again only while the
    input is still there (a busy machine may take long to show a file that did arrive). An upload can also be
    lost half-way (the input gone, the name never shown); with ``reopen`` (a function that brings the page
    back to the view, given the page) a failed try reloads the page and starts again.
    """
    for attempt in range(tries):
        field = page.locator(f"{into} input[type=file]")
        if field.count():
            field.first.set_input_files(str(path))
        try:
            page.locator(into).get_by_text(path.name).first.wait_for(state="visible", timeout=60_000)
            return
        except Exception as e:
            if attempt == tries - 1:
                shown = page.locator(into).first.inner_text(timeout=5_000)
                raise AssertionError(
                    f"{path.name} never showed in {into} after {tries} tries; it shows {shown!r}"
                ) from e
            if reopen is not None:
                page.reload()
                reopen(page)
