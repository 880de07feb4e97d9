"""Headless Chromium for the UI tests: one launch renders a page's DOM and its screenshot."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

NO_CHROMIUM = "no Chromium on this machine (apt-get install chromium; .ci/run does it in CI)"


def chromium() -> str:
    """The browser's path; skips the test (saying why) when there is none."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        pytest.skip(NO_CHROMIUM)
    return browser


def render(url: str, profile: Path, screenshot: Path, window: str = "1400,2400") -> str:
    """The page's DOM once its scripts ran (virtual time lets timers fire without waiting);
    the screenshot and the DOM (beside it, as .html) are kept for a person to look at."""
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", f"--window-size={window}", "--virtual-time-budget=20000"]
    screenshot.unlink(missing_ok=True)  # a file left by an earlier run must not pass for this one
    dom = subprocess.run([chromium(), *flags, "--dump-dom", f"--screenshot={screenshot}", url],
                         capture_output=True, text=True, timeout=120).stdout
    screenshot.with_suffix(".html").write_text(dom)
    return dom
