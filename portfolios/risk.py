"""The risk questionnaire an advisor fills in with a client: six questions, each answer scored.

The total score maps to a risk profile through fixed bands. ``score_answers`` is the one pure
function every caller (page, API, service) uses, so a score means the same thing everywhere.
"""

from dataclasses import dataclass

from .choices import RiskProfile


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    # (value stored, label shown, points)
    choices: tuple[tuple[str, str, int], ...]


QUESTIONS: tuple[Question, ...] = (
    Question(
        "horizon",
        "When do you expect to need most of this money?",
        (
            ("lt3", "Within 3 years", 0),
            ("3to5", "In 3 to 5 years", 2),
            ("6to10", "In 6 to 10 years", 4),
            ("gt10", "In more than 10 years", 6),
        ),
    ),
    Question(
        "drawdown",
        "Your portfolio falls 20 % in a month. What do you do?",
        (
            ("sell_all", "Sell everything", 0),
            ("sell_some", "Sell some to limit losses", 2),
            ("hold", "Hold and wait", 4),
            ("buy_more", "Buy more while prices are low", 6),
        ),
    ),
    Question(
        "goal",
        "What matters most for this money?",
        (
            ("preserve", "Keeping what I have", 0),
            ("income", "A steady income", 2),
            ("balanced", "Balance of income and growth", 4),
            ("growth", "Long-term growth", 6),
        ),
    ),
    Question(
        "income_stability",
        "How secure is your income over the next five years?",
        (
            ("uncertain", "Uncertain", 0),
            ("somewhat", "Somewhat secure", 2),
            ("secure", "Secure", 3),
            ("very_secure", "Very secure", 4),
        ),
    ),
    Question(
        "experience",
        "How much have you invested in stocks or funds before?",
        (
            ("none", "Never", 0),
            ("some", "A little, through a pension or fund", 1),
            ("regular", "Regularly, on my own", 3),
            ("extensive", "Extensively, including individual stocks", 4),
        ),
    ),
    Question(
        "range",
        "Which one-year range of outcomes on $100,000 would you accept?",
        (
            ("narrow", "$97,000 to $106,000", 0),
            ("moderate", "$90,000 to $115,000", 2),
            ("wide", "$82,000 to $125,000", 4),
            ("widest", "$70,000 to $140,000", 6),
        ),
    ),
)

MAX_SCORE = sum(max(points for _, _, points in question.choices) for question in QUESTIONS)

# Upper bound of each band (inclusive), lowest first; MAX_SCORE is 32.
PROFILE_BANDS: tuple[tuple[int, RiskProfile], ...] = (
    (7, RiskProfile.CONSERVATIVE),
    (13, RiskProfile.MODERATELY_CONSERVATIVE),
    (19, RiskProfile.MODERATE),
    (25, RiskProfile.MODERATELY_AGGRESSIVE),
    (MAX_SCORE, RiskProfile.AGGRESSIVE),
)


class InvalidAnswers(ValueError):
    """Answers missing or not among a question's choices; ``fields`` maps question keys to messages."""

    def __init__(self, fields: dict[str, list[str]]):
        super().__init__("The questionnaire is incomplete or has answers that are not offered.")
        self.fields = fields


def profile_for(score: int) -> RiskProfile:
    if not 0 <= score <= MAX_SCORE:
        raise ValueError(f"A score is between 0 and {MAX_SCORE}, not {score}.")
    for upper, profile in PROFILE_BANDS:
        if score <= upper:
            return profile
    raise AssertionError("PROFILE_BANDS ends at MAX_SCORE")


def score_answers(answers: dict[str, str]) -> tuple[int, RiskProfile]:
    """The total points of ``answers`` (question key -> choice value) and the profile they map to."""
    errors: dict[str, list[str]] = {}
    total = 0
    for question in QUESTIONS:
        value = answers.get(question.key)
        points = {choice: points for choice, _, points in question.choices}
        if value is None or value == "":
            errors[question.key] = ["Answer this question."]
        elif value not in points:
            errors[question.key] = ["Choose one of the offered answers."]
        else:
            total += points[value]
    unknown = set(answers) - {question.key for question in QUESTIONS}
    for key in sorted(unknown):
        errors[key] = ["This is not a question of the questionnaire."]
    if errors:
        raise InvalidAnswers(errors)
    return total, profile_for(total)
