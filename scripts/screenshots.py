"""Take the README's screenshots from a real run: ``.venv/bin/python scripts/screenshots.py``.

Starts the product on a loopback port with a throw-away data directory and the demo data (offices
always open), then drives Chromium with fake camera and microphone through the journey: overview,
waiting area, consultation (citizen) and workspace (official). Writes docs/screenshots/*.png.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.e2e.harness import CHROMIUM_ARGS as ARGS  # noqa: E402 - the same flags as the browser tests

OUT = REPO / "docs" / "screenshots"
PASSWORD = "demo-passwort-2026"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    data = tempfile.mkdtemp(prefix="bb-shots-")
    env = {**os.environ, "BUERGERBUERO_DATA_DIR": data, "BUERGERBUERO_DEBUG": "0"}
    manage = [sys.executable, str(REPO / "manage.py")]
    for cmd in (["migrate", "-v0"], ["collectstatic", "--noinput", "-v0"], ["load_demo", "--always-open"]):
        subprocess.run([*manage, *cmd], env=env, check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "buergerbuero.asgi:application",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=REPO,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/musterkreis/", timeout=1)  # noqa: S310 - loopback only
                break
            except OSError:
                time.sleep(0.1)
        shoot(url)
    finally:
        server.terminate()
        server.wait(10)


def shoot(url: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        size = {"width": 1100, "height": 760}
        official = browser.new_context(viewport=size, locale="de-DE").new_page()
        official.goto(url + "/staff/login/")
        official.fill("#id_username", "energie1")
        official.fill("#id_password", PASSWORD)
        with official.expect_navigation():
            official.locator("#login-form button[type=submit]").click()
        card = official.locator("[data-office-id]").filter(has_text="Energieeinsparung").first
        card.locator(".open-button").click()
        card.locator(".close-button").wait_for(state="visible")

        citizens = []
        for name, concern in (("Erika Mustermann", "Förderung für eine Wärmepumpe"), ("Max Beispiel", "")):
            page = browser.new_context(viewport=size, locale="de-DE").new_page()
            page.goto(url + "/musterkreis/energie/")
            page.fill("#id_display_name", name)
            page.fill("#id_concern", concern)
            page.check("#id_consent")
            page.click("#enter-button")
            page.locator("#position").wait_for(state="visible")
            citizens.append(page)
        citizens[0].goto(url + "/musterkreis/")
        citizens[0].wait_for_timeout(800)
        citizens[0].screenshot(path=str(OUT / "overview.png"))
        citizens[0].go_back()
        citizens[1].wait_for_timeout(800)
        citizens[1].screenshot(path=str(OUT / "waiting.png"))
        official.wait_for_timeout(500)
        official.screenshot(path=str(OUT / "staff.png"))

        card.locator(".admit-next-button").click()
        official.wait_for_selector("body[data-call-state=connected]", timeout=20000)
        citizens[0].wait_for_selector("body[data-call-state=connected]", timeout=20000)
        citizens[0].fill("#chat-input", "Guten Tag, ich habe eine Frage zur Förderung.")
        citizens[0].press("#chat-input", "Enter")
        citizens[0].wait_for_timeout(1500)
        citizens[0].evaluate("window.scrollTo(0, 0)")
        citizens[0].screenshot(path=str(OUT / "call.png"))
        browser.close()
    print("wrote", ", ".join(sorted(path.name for path in OUT.glob("*.png"))))


if __name__ == "__main__":
    main()
