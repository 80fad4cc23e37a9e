"""Proposals built from real ledger state (record_transaction), stored, superseded and reviewed."""

import datetime as dt
from decimal import Decimal as D

import pytest

from compliance.models import AuditEvent
from portfolios.choices import AccountType, ProposalStatus, RebalanceMode, TradeSide
from portfolios.errors import PortfoliosError
from portfolios.services import create_proposal, review_proposal
from portfolios.services.proposals import ProposalConflict

from .model_fixtures import account_for, buy, deposit, instrument, model_for, sell

AS_OF = dt.date(2024, 6, 3)
pytestmark = pytest.mark.django_db


@pytest.fixture
def book(advisor):
    aaa, bbb = instrument("AAA", "12"), instrument("BBB", "10")
    model = model_for(advisor, {aaa: "0.5", bbb: "0.5"})
    account = account_for(advisor, model=model)
    deposit(account, "2000")
    buy(account, aaa, "100", "10")
    return account, aaa, bbb


def test_proposal_is_built_from_positions_lots_and_latest_closes(advisor, book):
    """A full proposal values the account at the last closes and stores trades, weights, costs and gains."""
    account, _aaa, _bbb = book

    proposal = create_proposal(account=account, actor=advisor, mode=RebalanceMode.FULL, as_of=AS_OF)

    trades = list(proposal.trades.order_by("sequence"))
    # Value: 1000 cash + 100 * 12 = 2200; target 1100 each.
    assert [(t.side, t.instrument.symbol) for t in trades] == [(TradeSide.SELL, "AAA"), (TradeSide.BUY, "BBB")]
    sell_trade = trades[0]
    assert sell_trade.quantity == D("8.33333333")
    assert sell_trade.lots[0]["term"] == "long"
    assert D(sell_trade.lots[0]["gain"]) == sell_trade.estimated_long_term_gain == D("16.67")
    assert proposal.total_value == D("2200.00")
    assert proposal.before_weights["AAA"] == "0.545455"
    assert proposal.prices_as_of == dt.date(2024, 5, 31)
    assert proposal.estimated_cost == sum(t.estimated_cost for t in trades)
    assert proposal.status == ProposalStatus.PROPOSED
    assert proposal.created_by == advisor
    assert AuditEvent.objects.filter(action="proposal.created", object_id=str(proposal.pk)).exists()


def test_new_proposal_supersedes_open_ones_but_not_reviewed_ones(advisor, book):
    """Creating a proposal marks the account's open proposals superseded; reviewed ones keep their status."""
    account, _aaa, _bbb = book
    reviewed = create_proposal(account=account, actor=advisor, mode=RebalanceMode.FULL, as_of=AS_OF)
    review_proposal(proposal=reviewed, actor=advisor, decision="reject")
    first = create_proposal(account=account, actor=advisor, mode=RebalanceMode.FULL, as_of=AS_OF)

    second = create_proposal(account=account, actor=advisor, mode=RebalanceMode.BANDS_ONLY, as_of=AS_OF)

    first.refresh_from_db()
    reviewed.refresh_from_db()
    assert first.status == ProposalStatus.SUPERSEDED
    assert reviewed.status == ProposalStatus.REJECTED
    assert second.status == ProposalStatus.PROPOSED


def test_wash_sale_from_the_ledgers_recent_loss_sale(advisor):
    """A sell at a loss 10 days earlier (a LotRelief with a loss) blocks buying it back in a tax-aware proposal."""
    aaa = instrument("AAA", "8")
    account = account_for(advisor, model=model_for(advisor, {aaa: "1"}))
    deposit(account, "1000")
    buy(account, aaa, "50", "10")
    sell(account, aaa, "50", "8", on=dt.date(2024, 5, 24))

    proposal = create_proposal(account=account, actor=advisor, mode=RebalanceMode.FULL, as_of=AS_OF, tax_aware=True)

    assert proposal.trades.count() == 0
    assert any("wash sale" in warning for warning in proposal.warnings)


def test_tax_aware_in_an_ira_buys_anyway(advisor):
    """The wash-sale rule is for taxable accounts: in an IRA the buy is proposed and the option reported ignored."""
    aaa = instrument("AAA", "8")
    account = account_for(advisor, model=model_for(advisor, {aaa: "1"}), account_type=AccountType.IRA)
    deposit(account, "1000")
    buy(account, aaa, "50", "10")
    sell(account, aaa, "50", "8", on=dt.date(2024, 5, 24))

    proposal = create_proposal(account=account, actor=advisor, mode=RebalanceMode.FULL, as_of=AS_OF, tax_aware=True)

    assert [t.side for t in proposal.trades.all()] == [TradeSide.BUY]


def test_raise_cash_parameters_are_validated_with_field_errors(advisor, book):
    """Raise cash needs an amount above 0; negative buffers and unknown modes are field errors."""
    account, _aaa, _bbb = book

    with pytest.raises(PortfoliosError) as no_amount:
        create_proposal(account=account, actor=advisor, mode=RebalanceMode.RAISE_CASH)
    with pytest.raises(PortfoliosError) as negative:
        create_proposal(account=account, actor=advisor, mode=RebalanceMode.FULL, cash_buffer="-1")
    with pytest.raises(PortfoliosError) as mode:
        create_proposal(account=account, actor=advisor, mode="everything")

    assert "raise_amount" in no_amount.value.fields
    assert "cash_buffer" in negative.value.fields
    assert mode.value.code == "invalid_mode"


def test_account_without_model_is_refused(advisor):
    """No model, no proposal: a clear error and nothing stored."""
    account = account_for(advisor)

    with pytest.raises(PortfoliosError) as error:
        create_proposal(account=account, actor=advisor, mode=RebalanceMode.FULL)

    assert error.value.code == "no_model"
    assert not account.rebalance_proposals.exists()


def test_compliance_cannot_create_or_review(advisor, compliance_officer, book):
    """Reading roles are refused by the services themselves, not only by the pages."""
    account, _aaa, _bbb = book
    proposal = create_proposal(account=account, actor=advisor, mode=RebalanceMode.FULL, as_of=AS_OF)

    with pytest.raises(PortfoliosError):
        create_proposal(account=account, actor=compliance_officer, mode=RebalanceMode.FULL)
    with pytest.raises(PortfoliosError):
        review_proposal(proposal=proposal, actor=compliance_officer, decision="accept")


def test_review_accepts_once_and_is_audited(advisor, book):
    """Accepting records the reviewer and time; a second review is a conflict (409)."""
    account, _aaa, _bbb = book
    proposal = create_proposal(account=account, actor=advisor, mode=RebalanceMode.FULL, as_of=AS_OF)

    review_proposal(proposal=proposal, actor=advisor, decision="accept")

    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED
    assert proposal.reviewed_by == advisor and proposal.reviewed_at is not None
    assert AuditEvent.objects.filter(action="proposal.accepted", object_id=str(proposal.pk)).exists()
    with pytest.raises(ProposalConflict) as again:
        review_proposal(proposal=proposal, actor=advisor, decision="reject")
    assert again.value.status == 409
