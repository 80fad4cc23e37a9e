"""The audit trail in the admin: read-only, limited to one's firm, with a chain check that writes nothing."""

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import RequestFactory

from accounts.models import User
from compliance.models import AuditEvent
from compliance.services import record_event
from valuepartner import request_context


@pytest.fixture
def audit_admin():
    return admin.site._registry[AuditEvent]


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser(username="root", password="unused-password", email="root@example.com")


def request_as(user, method: str = "get", path: str = "/admin/compliance/auditevent/"):
    request = getattr(RequestFactory(), method)(path)
    # As django-otp's middleware leaves it once the session has passed a second factor.
    user.is_verified = lambda: True
    request.user = user
    request._messages = CookieStorage(request)
    return request


def texts(request) -> list[str]:
    return [str(message) for message in get_messages(request)]


@pytest.fixture
def events(firm, other_firm, operator):
    token = request_context.bind(request_id="req-ours-0001")
    ours = record_event(action="test.ours", firm_id=firm.pk)
    request_context.bind(request_id="req-theirs-0001")
    theirs = record_event(action="test.theirs", firm_id=other_firm.pk)
    request_context.reset(token)
    nobody = record_event(action="test.firmless")
    return ours, theirs, nobody


def test_nobody_may_add_change_or_delete(audit_admin, operator, superuser, events):
    """Not even a superuser can add, change or delete an event through the admin; operators can view."""
    for user in (operator, superuser):
        request = request_as(user)
        assert not audit_admin.has_add_permission(request)
        assert not audit_admin.has_change_permission(request, events[0])
        assert not audit_admin.has_delete_permission(request, events[0])
        assert audit_admin.has_view_permission(request, events[0])
    assert audit_admin.get_actions(request_as(superuser)) == {}


def test_operator_sees_only_their_firm(audit_admin, operator, events):
    """An operator's list holds their firm's events only, never another firm's or firm-less ones."""
    ours, theirs, nobody = events
    visible = set(audit_admin.get_queryset(request_as(operator)))
    assert ours in visible
    assert theirs not in visible
    assert nobody not in visible


def test_superuser_sees_every_event(audit_admin, superuser, events):
    """Platform staff see across firms, including events tied to no firm."""
    assert set(events) <= set(audit_admin.get_queryset(request_as(superuser)))


@pytest.fixture
def admin_only_site(settings):
    """Only the admin's URLs; the site navigation (which links the whole site) is left out."""
    settings.ROOT_URLCONF = "compliance.tests.admin_urls"
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {
                "context_processors": [
                    name
                    for name in settings.TEMPLATES[0]["OPTIONS"]["context_processors"]
                    if name != "accounts.context_processors.navigation"
                ]
            },
        }
    ]


def test_changelist_renders_with_the_verify_button(admin_only_site, audit_admin, operator, events):
    """The list page renders its columns, filters and search, and offers the chain check."""
    response = audit_admin.changelist_view(request_as(operator))
    response.render()
    page = response.content.decode()
    assert response.status_code == 200
    assert "Verify chain" in page
    assert "/admin/compliance/auditevent/verify/" in page
    assert "test.ours" in page
    assert "test.theirs" not in page

    def listed(query: str) -> list[AuditEvent]:
        response = audit_admin.changelist_view(request_as(operator, path=f"/admin/compliance/auditevent/?{query}"))
        return list(response.context_data["cl"].result_list)

    year = events[0].occurred_at.year
    assert listed(f"action__exact=test.ours&occurred_at__year={year}") == [events[0]]
    assert listed("q=req-ours") == [events[0]]
    assert listed("q=req-theirs") == []


def test_verify_reports_an_intact_chain(audit_admin, operator, events):
    """The button's view re-verifies the whole chain, reports it as a message, and writes nothing."""
    request = request_as(operator, "post")
    before = AuditEvent.objects.count()
    response = audit_admin.verify_chain_view(request)
    assert response.status_code == 302
    assert response["Location"] == "/admin/compliance/auditevent/"
    assert texts(request) == [f"Audit chain intact: {before} events"]
    assert AuditEvent.objects.count() == before


def test_verify_reports_the_first_break(audit_admin, superuser, events):
    """A tampered event is named in an error message."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        cursor.execute("UPDATE compliance_auditevent SET action = 'forged' WHERE id = %s", [events[1].pk])
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")
    request = request_as(superuser, "post")
    audit_admin.verify_chain_view(request)
    [message] = list(get_messages(request))
    assert message.level_tag == "error"
    assert f"event #{events[1].sequence}: altered" in str(message)


def test_verify_needs_post_and_view_permission(audit_admin, advisor, operator, events):
    """A GET (link prefetch, crawler) does not run the check; a user who cannot view the trail cannot run it."""
    verify = audit_admin.get_urls()[0].callback.__wrapped__
    assert verify(request_as(operator, "get")).status_code == 405
    with pytest.raises(PermissionDenied):
        audit_admin.verify_chain_view(request_as(advisor, "post"))
