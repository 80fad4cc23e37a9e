"""The simulator's book in the admin: rows are read-only; actions meet the market and redeliver."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

import trading.admin_simulator  # noqa: F401  (registers the admin classes when trading.admin does not)
from trading.brokers.simulator import SimulatorBroker
from trading.models import SimulatedEvent, SimulatedOrder
from trading.tests.test_sim_broker import FAIL, RECEIVED, request, sink, stock  # noqa: F401
from valuepartner.testing.otp import login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client, operator):
    operator.is_superuser = True
    operator.save(update_fields=["is_superuser"])
    login_verified(client, operator)
    return client


def test_lists_and_actions(superuser_client, stock, django_capture_on_commit_callbacks):  # noqa: F811
    FAIL["times"] = 1
    with django_capture_on_commit_callbacks(execute=True):
        SimulatorBroker().submit_order(request())
    order = SimulatedOrder.objects.get()
    assert superuser_client.get(reverse("admin:trading_simulatedorder_changelist")).status_code == 200
    assert superuser_client.get(reverse("admin:trading_simulatedorder_change", args=[order.pk])).status_code == 200
    assert superuser_client.get(reverse("admin:trading_simulatedevent_changelist")).status_code == 200
    assert RECEIVED == []  # the sink failed once: everything waits
    response = superuser_client.post(
        reverse("admin:trading_simulatedevent_changelist"),
        {"action": "deliver_now", "_selected_action": list(SimulatedEvent.objects.values_list("pk", flat=True))},
        follow=True,
    )
    assert response.status_code == 200 and "2 trade update(s) delivered." in response.content.decode()
    assert [u.event for _, u in RECEIVED] == ["new", "fill"]
    response = superuser_client.post(
        reverse("admin:trading_simulatedorder_changelist"),
        {"action": "meet_market_now", "_selected_action": [str(order.pk)]},
        follow=True,
    )
    assert "0 new event(s)." in response.content.decode()
    assert superuser_client.get(reverse("admin:trading_simulatedorder_add")).status_code == 403
    assert SimulatedOrder.objects.get().filled_qty == D(10)
