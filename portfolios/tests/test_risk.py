"""The risk questionnaire: the pure scoring function, the service storing it, and its page."""

import pytest
from django.urls import reverse

from compliance.models import AuditEvent
from portfolios.choices import RiskProfile
from portfolios.errors import PortfoliosError
from portfolios.risk import MAX_SCORE, QUESTIONS, InvalidAnswers, profile_for, score_answers
from portfolios.services import record_risk_questionnaire
from portfolios.tests.factories import ClientFactory, HouseholdFactory


def _answers(index: int) -> dict[str, str]:
    """Every question answered with its ``index``-th choice (0 = most cautious)."""
    return {question.key: question.choices[index][0] for question in QUESTIONS}


def test_questionnaire_has_five_to_seven_questions_with_distinct_keys():
    """The questionnaire stays short (5-7 questions) and no two questions share a stored key."""
    keys = [question.key for question in QUESTIONS]

    assert 5 <= len(QUESTIONS) <= 7
    assert len(set(keys)) == len(keys)


def test_most_cautious_answers_score_zero_and_are_conservative():
    """The first choice of every question is worth nothing: score 0, conservative."""
    assert score_answers(_answers(0)) == (0, RiskProfile.CONSERVATIVE)


def test_boldest_answers_score_the_maximum_and_are_aggressive():
    """The last choice of every question adds up to MAX_SCORE, the aggressive profile."""
    assert score_answers(_answers(-1)) == (MAX_SCORE, RiskProfile.AGGRESSIVE)


def test_a_mixed_questionnaire_scores_the_sum_of_its_answers():
    """Given 6-10 years, hold, balanced, secure, regular investor and moderate range, the score is
    4+4+4+3+3+2 = 20: moderately aggressive (band 20-25)."""
    answers = {
        "horizon": "6to10",
        "drawdown": "hold",
        "goal": "balanced",
        "income_stability": "secure",
        "experience": "regular",
        "range": "moderate",
    }

    assert score_answers(answers) == (20, RiskProfile.MODERATELY_AGGRESSIVE)


@pytest.mark.parametrize(
    ("score", "profile"),
    [
        (7, RiskProfile.CONSERVATIVE),
        (8, RiskProfile.MODERATELY_CONSERVATIVE),
        (13, RiskProfile.MODERATELY_CONSERVATIVE),
        (14, RiskProfile.MODERATE),
        (19, RiskProfile.MODERATE),
        (20, RiskProfile.MODERATELY_AGGRESSIVE),
        (25, RiskProfile.MODERATELY_AGGRESSIVE),
        (26, RiskProfile.AGGRESSIVE),
    ],
)
def test_band_edges(score, profile):
    """Each band's upper bound belongs to it and the next score starts the next band."""
    assert profile_for(score) == profile


def test_scores_outside_the_scale_are_refused():
    """A negative score or one above MAX_SCORE is a programming error, not a profile."""
    with pytest.raises(ValueError):
        profile_for(-1)
    with pytest.raises(ValueError):
        profile_for(MAX_SCORE + 1)


def test_missing_unknown_and_unoffered_answers_are_field_errors():
    """A missing answer, an answer not offered and an unknown question each name their field."""
    answers = _answers(1)
    del answers["horizon"]
    answers["goal"] = "get_rich"
    answers["favourite_colour"] = "blue"

    with pytest.raises(InvalidAnswers) as caught:
        score_answers(answers)

    assert set(caught.value.fields) == {"horizon", "goal", "favourite_colour"}


@pytest.mark.django_db
def test_service_stores_answers_score_profile_and_time_with_an_audit_event(advisor):
    """Recording the questionnaire saves answers, score, profile and time, and audits the change."""
    client = ClientFactory(household=HouseholdFactory(advisor=advisor))

    saved = record_risk_questionnaire(actor=advisor, client=client, answers=_answers(-1))

    client.refresh_from_db()
    assert (client.risk_score, client.risk_profile) == (MAX_SCORE, RiskProfile.AGGRESSIVE)
    assert client.risk_answers == _answers(-1)
    assert client.risk_assessed_at is not None
    assert saved.pk == client.pk
    assert AuditEvent.objects.filter(action="client.risk_assessed", object_id=str(client.pk)).exists()


@pytest.mark.django_db
def test_service_refuses_incomplete_answers_and_writes_nothing(advisor):
    """Incomplete answers raise invalid_answers with field errors; the client keeps no profile."""
    client = ClientFactory(household=HouseholdFactory(advisor=advisor))

    with pytest.raises(PortfoliosError) as caught:
        record_risk_questionnaire(actor=advisor, client=client, answers={"horizon": "lt3"})

    assert caught.value.code == "invalid_answers"
    assert "drawdown" in caught.value.fields
    client.refresh_from_db()
    assert client.risk_profile == ""


@pytest.mark.django_db
def test_service_refuses_another_advisors_client(advisor, other_advisor):
    """An advisor cannot assess a client outside their book."""
    client = ClientFactory(household=HouseholdFactory(advisor=other_advisor))

    with pytest.raises(PortfoliosError) as caught:
        record_risk_questionnaire(actor=advisor, client=client, answers=_answers(0))

    assert caught.value.code == "invalid_client"


@pytest.mark.django_db
def test_page_records_the_profile_and_the_client_page_shows_it(client, advisor):
    """Submitting the questionnaire page redirects to the client, whose page shows the profile."""
    person = ClientFactory(household=HouseholdFactory(advisor=advisor))
    client.force_login(advisor)

    response = client.post(reverse("portfolios:client-risk", args=[person.pk]), _answers(0), follow=True)

    assert response.redirect_chain[-1][0] == reverse("portfolios:client-detail", args=[person.pk])
    assert "Conservative (score 0" in response.content.decode()


@pytest.mark.django_db
def test_page_shows_field_errors_for_unanswered_questions(client, advisor):
    """Submitting with questions unanswered re-renders the page with an error on each of them."""
    person = ClientFactory(household=HouseholdFactory(advisor=advisor))
    client.force_login(advisor)

    response = client.post(reverse("portfolios:client-risk", args=[person.pk]), {"horizon": "lt3"})

    assert response.status_code == 200
    assert response.content.decode().count('class="field-error"') == len(QUESTIONS) - 1


@pytest.mark.django_db
def test_compliance_cannot_fill_in_the_questionnaire(client, advisor, compliance_officer):
    """Compliance reads the client but the questionnaire page is refused (403)."""
    person = ClientFactory(household=HouseholdFactory(advisor=advisor))
    client.force_login(compliance_officer)

    assert client.get(reverse("portfolios:client-risk", args=[person.pk])).status_code == 403
