"""Headless Debian Chromium for browser tests, driven by Selenium through chromedriver.

Screenshots land in ``test-artifacts/screenshots/`` so CI keeps what the browser saw.
"""

import os
import re
import shutil
from pathlib import Path

from django.conf import settings
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

ARTIFACTS_DIR = Path(os.environ.get("TEST_ARTIFACTS_DIR", settings.BASE_DIR / "test-artifacts")) / "screenshots"
# Flags that keep Chromium off the network it cannot reach here and out of the sandbox root cannot use.
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
)


def chromium_paths() -> tuple[str, str] | None:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (binary, driver) if binary and driver else None


def start_chromium(*, width: int = 1280, height: int = 900) -> webdriver.Chrome:
    paths = chromium_paths()
    if paths is None:
        raise RuntimeError("Chromium is not installed: run scripts/install-browser.sh (make test does).")
    binary, driver = paths
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--window-size={width},{height}")
    browser = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    browser.implicitly_wait(0)
    return browser


def wait(browser, timeout: float = 10) -> WebDriverWait:
    return WebDriverWait(browser, timeout)


def screenshot(browser, name: str) -> Path:
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS_DIR / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
    browser.save_screenshot(str(path))
    return path
