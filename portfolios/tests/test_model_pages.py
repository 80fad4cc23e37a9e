"""Model portfolio editor, assignment, drift and proposal pages: field errors, review, rights."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from portfolios.choices import ProposalStatus
from portfolios.models import ModelPortfolio, RebalanceProposal

from .model_fixtures import account_for, buy, deposit, instrument, model_for

pytestmark = pytest.mark.django_db


def editor_post(name="Growth", cash="10", rows=(("AAA", "", "90"),)):
    data = {
        "name": name,
        "description": "",
        "cash_weight": cash,
        "absolute_band": "5",
        "relative_band": "25",
        "targets-TOTAL_FORMS": str(len(rows)),
        "targets-INITIAL_FORMS": "0",
        "targets-MIN_NUM_FORMS": "0",
        "targets-MAX_NUM_FORMS": "1000",
    }
    for index, (symbol, asset_class, weight) in enumerate(rows):
        data.update(
            {
                f"targets-{index}-symbol": symbol,
                f"targets-{index}-asset_class": asset_class,
                f"targets-{index}-weight": weight,
            }
        )
    return data


def test_editor_creates_a_model_from_percentages(client, advisor):
    """Percent inputs become fractions; the advisor owns the model and lands on its page."""
    instrument("AAA", "10")
    client.force_login(advisor)

    response = client.post(
        reverse("portfolios:model-create"), editor_post(rows=(("aaa", "", "60"), ("", "fixed_income", "30")))
    )

    model = ModelPortfolio.objects.get(name="Growth")
    assert response.status_code == 302
    assert response["Location"] == reverse("portfolios:model-detail", args=[model.pk])
    assert model.owner == advisor and model.cash_weight == D("0.1")
    assert sorted((t.asset_class, t.weight) for t in model.targets.all()) == [
        ("", D("0.6")),
        ("fixed_income", D("0.3")),
    ]


def test_editor_shows_the_sum_error_and_row_errors(client, advisor):
    """Weights not adding to 100 %, an unknown symbol and a row with both kinds are shown, nothing saved."""
    instrument("AAA", "10")
    client.force_login(advisor)

    sum_off = client.post(reverse("portfolios:model-create"), editor_post(cash="5"))
    bad_rows = client.post(
        reverse("portfolios:model-create"), editor_post(rows=(("NOPE", "", "45"), ("AAA", "equity", "45")))
    )

    assert "they must add up to 100%" in sum_off.content.decode()
    body = bad_rows.content.decode()
    assert "No active instrument with symbol NOPE." in body
    assert "Give a symbol or an asset class, not both." in body
    assert 'class="field-error"' in body
    assert not ModelPortfolio.objects.exists()


def test_editor_shows_a_service_refusal_on_the_name(client, advisor):
    """A duplicate name (checked by the service) appears as a field error."""
    instrument("AAA", "10")
    model_for(advisor, {}, cash_weight="1", name="Growth")
    client.force_login(advisor)

    response = client.post(reverse("portfolios:model-create"), editor_post())

    assert "already has a model portfolio with this name" in response.content.decode()


def test_instrument_search_lists_matching_symbols(client, advisor):
    """The datalist endpoint answers options for symbols starting with what was typed."""
    instrument("AAPL", "10"), instrument("AMZN", "10"), instrument("MSFT", "10")
    client.force_login(advisor)

    body = client.get(reverse("portfolios:model-instrument-options"), {"symbol": "a"}).content.decode()

    assert 'value="AAPL"' in body and 'value="AMZN"' in body and "MSFT" not in body


def test_compliance_reads_models_but_cannot_edit_or_create(client, advisor, compliance_officer):
    """A reading role sees the model (200) and gets 403 on the editor."""
    model = model_for(advisor, {}, cash_weight="1")
    client.force_login(compliance_officer)

    assert client.get(reverse("portfolios:model-detail", args=[model.pk])).status_code == 200
    assert client.get(reverse("portfolios:model-edit", args=[model.pk])).status_code == 403
    assert client.get(reverse("portfolios:model-create")).status_code == 403


def test_assign_model_page_assigns_and_redirects_to_drift(client, advisor):
    """Choosing a model on the account's model page assigns it."""
    account = account_for(advisor)
    model = model_for(advisor, {}, cash_weight="1")
    client.force_login(advisor)

    response = client.post(reverse("portfolios:account-model", args=[account.pk]), {"model_portfolio": model.pk})

    account.refresh_from_db()
    assert response["Location"] == reverse("portfolios:account-drift", args=[account.pk])
    assert account.model_portfolio == model


def test_drift_page_highlights_out_of_band_rows(client, advisor):
    """The drift table marks a row outside its band."""
    aaa, bbb = instrument("AAA", "10"), instrument("BBB", "10")
    account = account_for(advisor, model=model_for(advisor, {aaa: "0.5", bbb: "0.5"}))
    deposit(account, "1000")
    buy(account, aaa, "90", "10")
    buy(account, bbb, "10", "10")
    client.force_login(advisor)

    body = client.get(reverse("portfolios:account-drift", args=[account.pk])).content.decode()

    assert body.count('class="out-of-band"') == 2
    assert "Out of band" in body


def test_proposal_form_shows_field_errors_and_creates(client, advisor):
    """Raise cash without an amount is a field error; a valid form creates the proposal and shows it."""
    aaa = instrument("AAA", "10")
    account = account_for(advisor, model=model_for(advisor, {aaa: "1"}))
    deposit(account, "1000")
    client.force_login(advisor)
    url = reverse("portfolios:proposal-create", args=[account.pk])
    base = {"min_trade": "0", "cash_buffer": "0", "commission": "0", "slippage_bps": "5", "fractional": "on"}

    invalid = client.post(url, {**base, "mode": "raise_cash"})
    created = client.post(url, {**base, "mode": "full"}, follow=True)

    assert "Enter the amount of cash to raise." in invalid.content.decode()
    proposal = RebalanceProposal.objects.get(account=account)
    body = created.content.decode()
    assert created.redirect_chain[-1][0] == reverse("portfolios:proposal-detail", args=[proposal.pk])
    assert "AAA" in body and "Accept" in body and "Estimated cost" in body


def test_review_page_accepts_and_rejects_with_rights(client, advisor, compliance_officer):
    """The book's advisor accepts; compliance sees the page without buttons and gets 403 when posting."""
    aaa = instrument("AAA", "10")
    account = account_for(advisor, model=model_for(advisor, {aaa: "1"}))
    proposal = RebalanceProposal.objects.create(account=account, model_portfolio=account.model_portfolio, mode="full")
    url = reverse("portfolios:proposal-detail", args=[proposal.pk])

    client.force_login(compliance_officer)
    read = client.get(url)
    refused = client.post(url, {"decision": "accept"})
    client.force_login(advisor)
    accepted = client.post(url, {"decision": "accept"}, follow=True)
    again = client.post(url, {"decision": "reject"}, follow=True)

    assert read.status_code == 200 and 'value="accept"' not in read.content.decode()
    assert refused.status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED
    assert "Proposal accepted." in accepted.content.decode()
    assert "already accepted" in again.content.decode()


def test_proposal_of_another_book_is_404(client, advisor, other_advisor):
    """Another advisor's proposal does not exist for this advisor, for reading or reviewing."""
    account = account_for(other_advisor, model=model_for(other_advisor, {}, cash_weight="1"))
    proposal = RebalanceProposal.objects.create(account=account, model_portfolio=account.model_portfolio, mode="full")
    client.force_login(advisor)
    url = reverse("portfolios:proposal-detail", args=[proposal.pk])

    assert client.get(url).status_code == 404
    assert client.post(url, {"decision": "accept"}).status_code == 404
