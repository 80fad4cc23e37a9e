"""API for model portfolios (nested targets) and rebalance proposals: scope, rights, errors, schema."""

from decimal import Decimal as D

import pytest
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from portfolios.models import ModelPortfolio, RebalanceProposal

from .model_fixtures import account_for, buy, deposit, instrument, model_for

pytestmark = pytest.mark.django_db


def api_as(user) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return api


def test_create_model_with_nested_targets(advisor):
    """POST creates the model and its targets; the answer nests them with symbols."""
    aaa = instrument("AAA", "10")
    body = {
        "name": "Core",
        "cash_weight": "0.05",
        "targets": [{"instrument": aaa.pk, "weight": "0.55"}, {"asset_class": "fixed_income", "weight": "0.4"}],
    }

    response = api_as(advisor).post(reverse("api:modelportfolio-list"), body, format="json")

    assert response.status_code == 201
    data = response.json()
    assert data["owner"] == advisor.pk and data["shared"] is False
    assert sorted((t["weight"], t["symbol"], t["asset_class"]) for t in data["targets"]) == [
        ("0.400000", None, "fixed_income"),
        ("0.550000", "AAA", ""),
    ]


def test_weights_not_adding_up_is_a_coded_field_error(advisor):
    """The 100 % rule answers 400 with code weights_not_100 and the targets field."""
    aaa = instrument("AAA", "10")

    response = api_as(advisor).post(
        reverse("api:modelportfolio-list"),
        {"name": "Off", "targets": [{"instrument": aaa.pk, "weight": "0.9"}]},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "weights_not_100"
    assert "targets" in response.json()["error"]["fields"]


def test_patch_replaces_targets_and_delete_refuses_a_model_in_use(advisor):
    """PATCH targets replaces them; DELETE of a model an account uses is 409 model_in_use."""
    aaa, bbb = instrument("AAA", "10"), instrument("BBB", "10")
    model = model_for(advisor, {aaa: "1"})
    account_for(advisor, model=model)
    url = reverse("api:modelportfolio-detail", args=[model.pk])

    patched = api_as(advisor).patch(url, {"targets": [{"instrument": bbb.pk, "weight": "1"}]}, format="json")
    deleted = api_as(advisor).delete(url)

    assert [t["symbol"] for t in patched.json()["targets"]] == ["BBB"]
    assert deleted.status_code == 409
    assert deleted.json()["error"]["code"] == "model_in_use"


def test_rights_on_models(advisor, other_advisor, compliance_officer):
    """Compliance reads but cannot create (403); an advisor cannot change a firm-wide model (403)
    and does not see another advisor's private one (404)."""
    shared = ModelPortfolio.objects.create(firm=advisor.firm, name="Firm", cash_weight=D("1"))
    theirs = model_for(other_advisor, {}, cash_weight="1")

    assert api_as(compliance_officer).get(reverse("api:modelportfolio-list")).status_code == 200
    created = api_as(compliance_officer).post(reverse("api:modelportfolio-list"), {"name": "X"}, format="json")
    shared_patch = api_as(advisor).patch(
        reverse("api:modelportfolio-detail", args=[shared.pk]), {"name": "Mine"}, format="json"
    )
    hidden = api_as(advisor).get(reverse("api:modelportfolio-detail", args=[theirs.pk]))

    assert (created.status_code, shared_patch.status_code, hidden.status_code) == (403, 403, 404)


def test_create_and_read_a_proposal(advisor):
    """POST to the account's proposals computes one; list and detail return it with trades and weights."""
    aaa, bbb = instrument("AAA", "10"), instrument("BBB", "20")
    account = account_for(advisor, model=model_for(advisor, {aaa: "0.5", bbb: "0.5"}))
    deposit(account, "1000")
    buy(account, aaa, "100", "10")
    api = api_as(advisor)
    url = reverse("api:account-proposals", args=[account.pk])

    created = api.post(url, {"mode": "full", "fractional": False, "slippage_bps": "0"}, format="json")
    listed = api.get(url)
    detail = api.get(reverse("api:proposal-detail", args=[created.json()["id"]]))

    assert created.status_code == 201
    assert [(t["side"], t["symbol"], t["quantity"]) for t in created.json()["trades"]] == [
        ("sell", "AAA", "50.00000000"),
        ("buy", "BBB", "25.00000000"),
    ]
    assert [p["id"] for p in listed.json()["results"]] == [created.json()["id"]]
    assert detail.json()["after_weights"]["AAA"] == "0.500000"


def test_proposal_errors_and_rights(advisor, compliance_officer, other_advisor):
    """Bad parameters are 400 with fields; compliance may list (200) but not create (403);
    another book's account is 404 for both methods."""
    aaa = instrument("AAA", "10")
    account = account_for(advisor, model=model_for(advisor, {aaa: "1"}))
    url = reverse("api:account-proposals", args=[account.pk])

    invalid = api_as(advisor).post(url, {"mode": "raise_cash"}, format="json")
    compliance_list = api_as(compliance_officer).get(url)
    compliance_create = api_as(compliance_officer).post(url, {"mode": "full"}, format="json")
    outsider = api_as(other_advisor)

    assert invalid.status_code == 400 and "raise_amount" in invalid.json()["error"]["fields"]
    assert (compliance_list.status_code, compliance_create.status_code) == (200, 403)
    assert outsider.get(url).status_code == 404
    assert outsider.post(url, {"mode": "full"}, format="json").status_code == 404
    assert not RebalanceProposal.objects.exists()


def test_schema_lists_model_and_proposal_endpoints(advisor):
    """The OpenAPI schema documents the new endpoints."""
    client = APIClient()
    client.force_authenticate(advisor)

    schema = client.get(reverse("api:schema"), {"format": "json"}).json()

    for path in (
        "/api/v1/model-portfolios/",
        "/api/v1/model-portfolios/{id}/",
        "/api/v1/accounts/{account_pk}/proposals/",
        "/api/v1/proposals/{id}/",
    ):
        assert path in schema["paths"], path
