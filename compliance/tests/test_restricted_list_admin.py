"""Compliance staff keep the firm's restricted list in the admin, and see nothing else there."""

import pytest
from django.urls import reverse

from compliance.models import AuditEvent, RestrictedInstrument
from marketdata.tests.factories import InstrumentFactory
from valuepartner.testing.otp import login_verified

pytestmark = pytest.mark.django_db


def test_compliance_adds_a_restricted_instrument_and_it_is_audited(client, compliance_officer):
    instrument = InstrumentFactory(symbol="ACME")
    login_verified(client, compliance_officer)

    response = client.post(
        reverse("admin:compliance_restrictedinstrument_add"),
        {
            "instrument": instrument.pk,
            "restriction": RestrictedInstrument._meta.get_field("restriction").default,
            "reason": "Material non-public information",
            "since": "2026-01-02",
            "until": "",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    row = RestrictedInstrument.objects.get(instrument=instrument)
    assert (row.firm_id, row.added_by) == (compliance_officer.firm_id, compliance_officer)
    assert AuditEvent.objects.filter(action="compliance.restricted_list_added", actor=compliance_officer).exists()


def test_compliance_sees_only_the_restricted_list_in_the_admin(client, compliance_officer):
    login_verified(client, compliance_officer)

    index = client.get(reverse("admin:index"))

    assert index.status_code == 200
    assert reverse("admin:compliance_restrictedinstrument_changelist") in index.content.decode()
    assert client.get(reverse("admin:trading_order_changelist")).status_code == 403
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403
