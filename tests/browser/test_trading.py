"""An advisor places a limit order from the ticket (the preview shows every pre-trade check), sees it
on the blotter, the blotter row changes live when the paper simulator fills part of it, and the order
page shows its fills and state history.

The pages are served by daphne (HTTP and WebSockets through valuepartner.asgi) on the test database,
so the live updates travel as in production: committed change → signal → Redis channel layer →
consumer → browser. Changes made by this test process reach the server's consumers through Redis.
"""

import datetime as dt
import os
import socket
import subprocess
import sys
import time
import urllib.request
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from accounts.tests.factories import PASSWORD, AdvisorFactory
from marketdata.models import DailyBar
from trading.brokers.registry import clear_cache
from trading.brokers.simulator_tasks import match_resting_simulated_orders
from trading.models import Order
from trading.services import cancel_order
from trading.tests.factories import funded_account, priced_instrument
from trading.tests.test_sim_broker import backdate
from valuepartner.testing.browser import screenshot, wait

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def asgi_server(settings):
    """daphne serving valuepartner.asgi on the test database; yields its base URL."""
    if not os.environ.get("REDIS_URL"):
        pytest.skip("live updates across processes need the Redis channel layer (set REDIS_URL)")
    settings.TRADING_BROKERS = {}  # the real paper simulator here too
    clear_cache()
    base = os.environ["DATABASE_URL"].rpartition("/")[0]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "valuepartner.settings.test",
        "DATABASE_URL": f"{base}/{connection.settings_dict['NAME']}",
        "LOG_LEVEL": "WARNING",
    }
    port = _free_port()
    command = [str(Path(sys.executable).parent / "daphne"), "-b", "127.0.0.1", "-p", str(port)]
    server = subprocess.Popen([*command, "valuepartner.asgi:application"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/healthz/live", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("daphne did not start") from None
                time.sleep(0.1)  # polling a server we just started; not a test
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)
        clear_cache()


def test_ticket_preview_submit_live_blotter_and_history(browser, asgi_server):
    advisor = AdvisorFactory(username="trader", first_name="Tess", last_name="Trader")
    account = funded_account(advisor=advisor, cash="10000", name="Growth paper")
    acme = priced_instrument("ACME", "100")

    browser.get(asgi_server + reverse("accounts:login"))
    wait(browser).until(EC.presence_of_element_located((By.NAME, "username"))).send_keys("trader")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait(browser).until(EC.url_to_be(asgi_server + reverse("dashboard")))

    # The ticket: a good-till-canceled limit buy of 20 ACME at 98 (last close 100).
    browser.get(asgi_server + reverse("trading:ticket"))
    Select(wait(browser).until(EC.presence_of_element_located((By.NAME, "account")))).select_by_visible_text(
        str(account)
    )
    browser.find_element(By.NAME, "symbol").send_keys("ACME")
    Select(browser.find_element(By.NAME, "order_type")).select_by_value("limit")
    Select(browser.find_element(By.NAME, "time_in_force")).select_by_value("gtc")
    browser.find_element(By.NAME, "qty").send_keys("20")
    browser.find_element(By.NAME, "limit_price").send_keys("98")
    browser.find_element(By.ID, "preview-button").click()
    wait(browser).until(EC.text_to_be_present_in_element((By.ID, "preview"), "All pre-trade checks pass."))
    checks = {
        row.get_attribute("data-check"): row.get_attribute("data-code")
        for row in browser.find_elements(By.CSS_SELECTOR, "#risk-checks tbody tr")
    }
    assert checks["buying_power"] == "ok" and checks["price_band"] == "ok" and checks["kill_switch"] == "ok"
    assert browser.find_element(By.ID, "cash-after").text == "8040.00"
    browser.execute_script("window.scrollTo(0, 0)")
    screenshot(browser, "trading-1-ticket-preview")

    browser.find_element(By.ID, "submit-order").click()
    wait(browser).until(EC.presence_of_element_located((By.ID, "memorandum")))
    order = Order.objects.get(account=account)
    assert browser.current_url == asgi_server + reverse("trading:order-detail", args=[order.pk])
    assert order.status == "new"  # dispatched to the simulator; resting below the market

    # The blotter shows it; a new bar reaches the limit and the simulator fills half: the row changes live.
    browser.get(asgi_server + reverse("trading:blotter"))
    wait(browser).until(EC.text_to_be_present_in_element((By.ID, "live-status"), "Live updates: on"))
    row = f'tr[data-order-id="{order.pk}"]'
    assert browser.find_element(By.CSS_SELECTOR, row).get_attribute("data-status") == "new"
    session = backdate(order.client_order_id).day
    DailyBar.objects.create(
        instrument=acme,
        date=session,
        open=Decimal(100),
        high=Decimal(101),
        low=Decimal(97),
        close=Decimal(99),
        adj_close=Decimal(99),
        volume=100,
    )
    match_resting_simulated_orders.delay()
    wait(browser).until(
        lambda driver: driver.find_element(By.CSS_SELECTOR, row).get_attribute("data-status") == "partially_filled"
    )
    cells = browser.find_element(By.CSS_SELECTOR, row)
    assert "Partially filled" in cells.text and "10 @ 98" in cells.text
    screenshot(browser, "trading-2-blotter-live")

    # The order page: memorandum, the fill, and every transition with cause and actor.
    browser.find_element(By.CSS_SELECTOR, f"{row} a").click()
    wait(browser).until(EC.presence_of_element_located((By.ID, "history")))
    history = [row.get_attribute("data-to") for row in browser.find_elements(By.CSS_SELECTOR, "#history tbody tr")]
    assert history[0] == "queued" and history[-1] == "partially_filled" and "new" in history
    assert len(browser.find_elements(By.CSS_SELECTOR, "#fills tbody tr")) == 1
    assert browser.find_element(By.ID, "placed-by").text.startswith("Tess Trader")
    assert dt.date.today().isoformat()[:4] in browser.find_element(By.ID, "memorandum").text
    screenshot(browser, "trading-3-order-history")

    # Canceling the rest (here, from another session) redraws the open order page live.
    cancel_order(order=order, actor=advisor, reason="Enough for now")
    wait(browser).until(
        lambda driver: driver.find_element(By.ID, "order-status").get_attribute("data-status") == "canceled"
    )
    steps = browser.find_elements(By.CSS_SELECTOR, "#history tbody tr")
    assert steps[-1].get_attribute("data-to") == "canceled" and len(steps) > len(history)
    screenshot(browser, "trading-4-order-canceled-live")
