"""Model portfolio writes: the 100 % rule, instrument xor asset class, bands, rights, assignment, audit."""

from decimal import Decimal as D

import pytest

from compliance.models import AuditEvent
from marketdata.tests.factories import InstrumentFactory
from portfolios.errors import PortfoliosError
from portfolios.services import assign_model, create_model_portfolio, delete_model_portfolio, update_model_portfolio
from portfolios.tests.factories import ModelPortfolioFactory

from .model_fixtures import account_for, model_for

pytestmark = pytest.mark.django_db


def targets(*rows):
    return [{"instrument": i, "asset_class": c, "weight": D(w)} for i, c, w in rows]


def test_create_model_with_instrument_and_asset_class_targets(advisor):
    """Weights plus cash adding up to exactly 1 are stored with the advisor as owner, and audited."""
    aaa = InstrumentFactory(symbol="AAA")

    model = create_model_portfolio(
        actor=advisor,
        name="Balanced",
        targets=targets((aaa, "", "0.6"), (None, "fixed_income", "0.35")),
        cash_weight=D("0.05"),
    )

    assert model.owner == advisor
    assert sorted(str(t.weight) for t in model.targets.all()) == ["0.350000", "0.600000"]
    assert AuditEvent.objects.filter(action="model_portfolio.created", object_id=str(model.pk)).exists()


@pytest.mark.parametrize(
    ("rows", "cash", "code", "field"),
    [
        ((("AAA", "", "0.5"),), "0.4", "weights_not_100", "targets"),
        ((("AAA", "", "0.5"), ("AAA", "", "0.5")), "0", "duplicate_target", "targets.1"),
        ((("AAA", "equity", "1"),), "0", "invalid_target", "targets.0"),
        (((None, "", "1"),), "0", "invalid_target", "targets.0"),
        (((None, "index", "1"),), "0", "invalid_asset_class", "targets.0"),
        ((("AAA", "", "0"),), "1", "invalid_weight", "targets.0.weight"),
        ((("AAA", "", "1.5"),), "0", "invalid_weight", "targets.0.weight"),
        ((("AAA", "", "0.5"),), "0.5000001", "invalid_weight", "cash_weight"),
    ],
)
def test_invalid_models_are_refused_with_field_errors(advisor, rows, cash, code, field):
    """Each broken rule has its own code and names the field; nothing is stored."""
    aaa = InstrumentFactory(symbol="AAA")
    rows = [(aaa if i == "AAA" else i, c, w) for i, c, w in rows]

    with pytest.raises(PortfoliosError) as error:
        create_model_portfolio(actor=advisor, name="Bad", targets=targets(*rows), cash_weight=D(cash))

    assert (error.value.code, field in error.value.fields) == (code, True)
    assert not advisor.model_portfolios.exists()


def test_bands_must_be_between_zero_and_one(advisor):
    """A negative or above-1 band is a field error on that band."""
    with pytest.raises(PortfoliosError) as error:
        create_model_portfolio(actor=advisor, name="Cash", targets=[], cash_weight=D("1"), absolute_band=D("-0.1"))

    assert "absolute_band" in error.value.fields


def test_duplicate_name_in_the_firm_is_a_field_error(advisor):
    """Names are unique within a firm."""
    ModelPortfolioFactory(firm=advisor.firm, name="Growth")

    with pytest.raises(PortfoliosError) as error:
        create_model_portfolio(actor=advisor, name="Growth", targets=[], cash_weight=D("1"))

    assert error.value.code == "duplicate_name"


def test_update_replaces_targets_and_audits_the_difference(advisor):
    """New targets replace the old ones in one step; the audit event holds before and after."""
    aaa, bbb = InstrumentFactory(symbol="AAA"), InstrumentFactory(symbol="BBB")
    model = model_for(advisor, {aaa: "1"})

    update_model_portfolio(actor=advisor, model=model, targets=targets((bbb, "", "0.9")), cash_weight=D("0.1"))

    assert [t.instrument.symbol for t in model.targets.all()] == ["BBB"]
    event = AuditEvent.objects.get(action="model_portfolio.updated", object_id=str(model.pk))
    assert event.changes["targets"] == [["AAA=1.000000"], ["BBB=0.9"]]


def test_update_keeping_targets_still_checks_the_sum(advisor):
    """Changing only the cash weight re-checks the 100 % rule against the stored targets."""
    model = model_for(advisor, {InstrumentFactory(symbol="AAA"): "1"})

    with pytest.raises(PortfoliosError) as error:
        update_model_portfolio(actor=advisor, model=model, cash_weight=D("0.1"))

    assert error.value.code == "weights_not_100"


def test_advisors_cannot_change_firm_wide_or_other_advisors_models(advisor, other_advisor, operator):
    """A firm-wide model is the operators'; another advisor's model is theirs."""
    shared = ModelPortfolioFactory(firm=advisor.firm, owner=None, cash_weight=D("1"))
    theirs = model_for(other_advisor, {}, cash_weight="1")

    for model in (shared, theirs):
        with pytest.raises(PortfoliosError):
            update_model_portfolio(actor=advisor, model=model, name="Mine now")
    update_model_portfolio(actor=operator, model=shared, name="Renamed by operator")


def test_assign_model_checks_scope_and_audits(advisor, other_advisor):
    """An advisor assigns one of their models; another advisor's private model is a field error."""
    account = account_for(advisor)
    mine = model_for(advisor, {}, cash_weight="1")
    theirs = model_for(other_advisor, {}, cash_weight="1")

    assign_model(actor=advisor, account=account, model=mine)
    with pytest.raises(PortfoliosError) as error:
        assign_model(actor=advisor, account=account, model=theirs)

    account.refresh_from_db()
    assert account.model_portfolio == mine
    assert "model_portfolio" in error.value.fields
    assert AuditEvent.objects.filter(action="account.model_assigned", object_id=str(account.pk)).count() == 1


def test_delete_refuses_a_model_in_use(advisor):
    """A model assigned to an account cannot be deleted (409); an unused one can."""
    used = model_for(advisor, {}, cash_weight="1")
    account_for(advisor, model=used)
    unused = model_for(advisor, {}, cash_weight="1")

    with pytest.raises(PortfoliosError) as error:
        delete_model_portfolio(actor=advisor, model=used)
    delete_model_portfolio(actor=advisor, model=unused)

    assert error.value.status == 409
    assert not type(unused).objects.filter(pk=unused.pk).exists()
