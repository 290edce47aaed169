"""The browser tests' fixtures (tests/conftest.py imports them: a second conftest.py here would
shadow the one every folder imports from). Headless Chromium (Debian's `chromium` and
`chromium-driver`) driven by Selenium, against `chatwoot-mock serve` on a free loopback port.
Nothing is downloaded: the system's browser and driver are named explicitly, and Selenium Manager
is kept offline.

Without Chromium these tests are skipped, saying why and how to install it; with
MOCK_BROWSER_TESTS=required (set by `.ci/run`) a missing browser fails them instead.
SCREENSHOT_DIR=docs (`make screenshots`) writes the README's screenshots.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from mockserver.testing.served import ServedMock

INSTALL = "apt-get install chromium chromium-driver (as root, after apt-get update)"
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
#: Flags that work on a shared, offline CI machine: no sandbox (root), no GPU, nothing phoned home.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1280,860")
WAIT_S = 20


def _missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    if not any(shutil.which(name) for name in BROWSERS):
        return f"no Chromium found; install it: {INSTALL}"
    if not shutil.which("chromedriver"):
        return f"no chromedriver found; install it: {INSTALL}"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator:
    missing = _missing()
    if missing:
        if os.environ.get("MOCK_BROWSER_TESTS") == "required":
            pytest.fail(f"browser tests are required here (MOCK_BROWSER_TESTS=required): {missing}")
        pytest.skip(f"browser tests skipped: {missing}")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never fetch a browser or a driver
    options = webdriver.ChromeOptions()
    options.binary_location = next(shutil.which(name) for name in BROWSERS if shutil.which(name))
    profile = tempfile.mkdtemp(prefix="chatwoot-mock-chromium-")
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=shutil.which("chromedriver")))
    driver.set_page_load_timeout(WAIT_S)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="session")
def browser_mock(browser) -> Iterator[ServedMock]:
    """The demo, served as `make run` serves it (CORS on), for the docs page and the dashboard."""
    with ServedMock("--cors") as server:
        yield server


@pytest.fixture
def wait(browser):
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    # The dashboard redraws its tables every second: an element found may be gone a moment later.
    return WebDriverWait(browser, WAIT_S, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException))


@pytest.fixture
def screenshot(browser, tmp_path):
    """Saves the browser's view as NAME.png: into SCREENSHOT_DIR when set, else the test's tmp dir."""

    def take(name: str, height: int | None = None) -> Path:
        """`height`: the window's height for this shot (the page from the top), else the view as it is."""
        folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        size = browser.get_window_size()
        if height is not None:
            browser.set_window_size(size["width"], height)
            browser.execute_script("window.scrollTo(0, 0)")
        try:
            assert browser.save_screenshot(str(path)), path
        finally:
            browser.set_window_size(size["width"], size["height"])
        return path

    return take
