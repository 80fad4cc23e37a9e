"""Which broker an account's orders go to.

Paper accounts → the simulator; live accounts → Alpaca. The mapping is by the account's trading
mode only, so a live account's order can never reach the simulator: when Alpaca is down its orders
wait as queued. Implementations are named in ``TRADING_BROKERS`` (broker name → dotted class path;
tests point a name at a loopback-backed or in-test broker). A class is built once per process with
no arguments (it reads its own settings) and reused.
"""

from functools import lru_cache

from django.conf import settings
from django.utils.module_loading import import_string

from portfolios.choices import TradingMode

from ..choices import BrokerName
from .base import Broker

DEFAULT_BROKERS = {
    BrokerName.SIMULATOR: "trading.brokers.simulator.SimulatorBroker",
    BrokerName.ALPACA: "trading.brokers.alpaca.AlpacaBroker",
}


def broker_name_for(account) -> str:
    return BrokerName.ALPACA if account.trading_mode == TradingMode.LIVE else BrokerName.SIMULATOR


@lru_cache(maxsize=16)
def _build(path: str) -> Broker:
    return import_string(path)()


def broker_named(name: str) -> Broker:
    paths = {**DEFAULT_BROKERS, **(getattr(settings, "TRADING_BROKERS", None) or {})}
    broker = _build(paths[name])
    if getattr(broker, "name", name) != name:
        raise RuntimeError(f"TRADING_BROKERS[{name!r}] builds a broker named {broker.name!r}.")
    return broker


def broker_for(account) -> Broker:
    """The broker for ``account``'s orders (paper → simulator, live → Alpaca; never crossed)."""
    return broker_named(broker_name_for(account))


def clear_cache() -> None:
    _build.cache_clear()
