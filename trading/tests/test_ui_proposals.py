"""Proposal page → orders: approving a rebalance proposal in whole or line by line enters and submits
its orders (listed on the page, linked to their order pages); rejecting needs and keeps a reason."""

import pytest
from django.urls import reverse

from portfolios.models import RebalanceProposal
from portfolios.services import create_proposal
from portfolios.tests.model_fixtures import account_for, buy, deposit, instrument, model_for
from trading.models import Order, ProposalDecision
from trading.tests.factories import scripted_brokers

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def brokers():
    with scripted_brokers() as broker:
        yield broker


@pytest.fixture
def proposal(advisor):
    """90 % in HEVY against a 45/50 model with LITE and 5 % cash: a sell of HEVY and a buy of LITE (the
    cash weight leaves room for the 2 % buffer market buys hold back)."""
    heavy, light = instrument("HEVY", "100"), instrument("LITE", "50")
    model = model_for(advisor, {heavy: "0.45", light: "0.5"}, cash_weight="0.05")
    account = account_for(advisor, model=model, name="Drifted")
    deposit(account, "10000")
    buy(account, heavy, "90", "100")
    created = create_proposal(
        account=account, actor=advisor, mode="full", min_trade="0", cash_buffer="0", commission="0", slippage_bps="0"
    )
    assert sorted(created.trades.values_list("side", flat=True)) == ["buy", "sell"]
    return created


def test_approving_the_whole_proposal_places_every_line(client, advisor, proposal, django_capture_on_commit_callbacks):
    client.force_login(advisor)
    url = reverse("portfolios:proposal-detail", args=[proposal.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"decision": "approve", "discretionary": "on"}, follow=True)

    html = response.content.decode()
    orders = list(Order.objects.filter(proposal_trade__proposal=proposal).order_by("pk"))
    assert "Proposal approved: 2 orders submitted." in html
    assert [order.side for order in orders] == ["sell", "buy"]  # sells first
    assert all(order.discretionary and order.source == "proposal" for order in orders)
    assert all(order.status == "accepted" for order in orders)  # dispatched after commit
    assert 'id="proposal-orders"' in html and reverse("trading:order-detail", args=[orders[0].pk]) in html
    assert RebalanceProposal.objects.get(pk=proposal.pk).status == "accepted"


def test_approving_line_by_line_places_only_the_ticked_lines(client, advisor, proposal):
    client.force_login(advisor)
    sell = proposal.trades.get(side="sell")

    response = client.post(
        reverse("portfolios:proposal-detail", args=[proposal.pk]),
        {"decision": "approve", "trades": [str(sell.pk)]},
        follow=True,
    )

    assert "Proposal approved: 1 order submitted." in response.content.decode()
    assert list(Order.objects.values_list("proposal_trade", flat=True)) == [sell.pk]
    assert ProposalDecision.objects.get(proposal=proposal).decision == "partially_approved"


def test_rejecting_needs_a_reason_and_keeps_it(client, advisor, proposal):
    client.force_login(advisor)
    url = reverse("portfolios:proposal-detail", args=[proposal.pk])

    missing = client.post(url, {"decision": "reject", "reason": " "}, follow=True)
    rejected = client.post(url, {"decision": "reject", "reason": "Client is moving to cash"}, follow=True)

    assert "Say why the proposal is rejected." in missing.content.decode()
    html = rejected.content.decode()
    assert "Proposal rejected." in html and "Client is moving to cash" in html
    assert RebalanceProposal.objects.get(pk=proposal.pk).status == "rejected"
    assert not Order.objects.exists()


def test_a_line_failing_risk_places_nothing(client, advisor, proposal):
    """All or nothing: if one line fails its pre-trade checks no order is entered and the proposal stays open."""
    client.force_login(advisor)
    buy_line = proposal.trades.get(side="buy")
    proposal.trades.filter(pk=buy_line.pk).update(quantity=10**6)

    response = client.post(
        reverse("portfolios:proposal-detail", args=[proposal.pk]), {"decision": "approve"}, follow=True
    )

    assert "LITE:" in response.content.decode()
    assert not Order.objects.exists()
    assert RebalanceProposal.objects.get(pk=proposal.pk).status == "proposed"
