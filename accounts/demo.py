"""Demo data for a fresh install: one fictitious firm, a user of every role, a few households,
the bundled market data and demo accounts with real price history (see ``portfolios.demo``).

Idempotent: each object is looked up by its natural key and created (through the services, as
the system) only when missing, so running it again changes nothing.
"""

import datetime
import unicodedata
from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from portfolios import services as portfolio_services
from portfolios.demo import seed_demo_portfolios
from portfolios.models import Client, Household
from reporting.reports.demo import seed_demo_reports
from strategies.demo import seed_demo_strategies
from trading.demo import seed_demo_trading

from . import services
from .choices import Role
from .models import Firm, Team, User

DEMO_FIRM = "Value Partner Demo Advisors"
DEMO_TEAM = "Growth team"
DEFAULT_DEMO_PASSWORD = "ValuePartner!demo1"
DEMO_NOTE = "Demo data: a fictitious household for trying Value Partner."
# Reserved for documentation (RFC 2606); mail to it goes nowhere.
DEMO_EMAIL_DOMAIN = "example.com"


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    first_name: str
    last_name: str


STAFF = (
    DemoUser("demo-operator", Role.OPERATOR, "Olivia", "Marsh"),
    DemoUser("demo-advisor-1", Role.ADVISOR, "Daniel", "Reyes"),
    DemoUser("demo-advisor-2", Role.ADVISOR, "Hannah", "Lindqvist"),
    DemoUser("demo-compliance", Role.COMPLIANCE, "Samuel", "Adeyemi"),
)
# Client logins: (username, household, first name, last name) of the client they sign in as.
CLIENT_LOGINS = (
    DemoUser("demo-client-1", Role.CLIENT, "Maria", "Alvarez"),
    DemoUser("demo-client-2", Role.CLIENT, "Priya", "Patel"),
)
# advisor username -> household name -> clients (first name, last name, year of birth)
HOUSEHOLDS = {
    "demo-advisor-1": {
        "Alvarez Household": [("Maria", "Alvarez", 1968), ("Jorge", "Alvarez", 1966)],
        "Chen Family Trust": [("Wei", "Chen", 1952)],
        "Okafor Household": [("Chidi", "Okafor", 1975), ("Amara", "Okafor", 1977), ("Nneka", "Okafor", 2004)],
    },
    "demo-advisor-2": {
        "Bergström Household": [("Lars", "Bergström", 1959), ("Ingrid", "Bergström", 1961)],
        "Patel Household": [("Priya", "Patel", 1983)],
        "Whitfield Household": [("Thomas", "Whitfield", 1948), ("Eleanor", "Whitfield", 1950)],
    },
}


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    password: str


def _email(first_name: str, last_name: str) -> str:
    local = unicodedata.normalize("NFKD", f"{first_name}.{last_name}").encode("ascii", "ignore").decode()
    return f"{local}@{DEMO_EMAIL_DOMAIN}".lower()


def _firm() -> Firm:
    return Firm.objects.filter(name=DEMO_FIRM).first() or services.create_firm(name=DEMO_FIRM, actor=None)


def _user(firm: Firm, spec: DemoUser, password: str) -> User:
    existing = User.objects.filter(username=spec.username).first()
    if existing is not None:
        return existing
    return services.create_user(
        firm=firm,
        username=spec.username,
        role=spec.role,
        password=password,
        email=_email(spec.first_name, spec.last_name),
        first_name=spec.first_name,
        last_name=spec.last_name,
        actor=None,
    )


def _check_password(password: str) -> None:
    for spec in (*STAFF, *CLIENT_LOGINS):
        email = _email(spec.first_name, spec.last_name)
        candidate = User(username=spec.username, first_name=spec.first_name, last_name=spec.last_name, email=email)
        validate_password(password, candidate)


def _team(firm: Firm, advisors: list[User]) -> Team:
    team = Team.objects.filter(firm=firm, name=DEMO_TEAM).first()
    if team is None:
        team = services.create_team(firm=firm, name=DEMO_TEAM, members=advisors, shares_book=False, actor=None)
    return team


def _household(firm: Firm, advisor: User, name: str) -> Household:
    household = Household.objects.filter(firm=firm, name=name).first()
    if household is None:
        household = portfolio_services.create_household(actor=None, name=name, advisor=advisor, notes=DEMO_NOTE)
    return household


def _client(household: Household, first_name: str, last_name: str, born: int) -> Client:
    client = Client.objects.filter(household=household, first_name=first_name, last_name=last_name).first()
    if client is None:
        client = portfolio_services.create_client(
            actor=None,
            household=household,
            first_name=first_name,
            last_name=last_name,
            email=_email(first_name, last_name),
            date_of_birth=datetime.date(born, 6, 15),
        )
    return client


def seed_demo(*, password: str = DEFAULT_DEMO_PASSWORD) -> list[DemoLogin]:
    """Create whatever of the demo data is missing; returns the demo sign-ins, in a stable order.

    Raises ``django.core.exceptions.ValidationError`` when ``password`` fails the validators.
    """
    _check_password(password)
    with transaction.atomic():
        firm = _seed(password)
    seed_demo_portfolios(firm=firm)
    # The advisor's own work on those accounts: a strategy with a backtest, paper orders, a report schedule.
    seed_demo_strategies(firm=firm)
    seed_demo_trading(firm=firm)
    seed_demo_reports(firm=firm)
    return [DemoLogin(spec.username, spec.role, password) for spec in (*STAFF, *CLIENT_LOGINS)]


def _seed(password: str) -> Firm:
    firm = _firm()
    users = {spec.username: _user(firm, spec, password) for spec in (*STAFF, *CLIENT_LOGINS)}
    _team(firm, [users["demo-advisor-1"], users["demo-advisor-2"]])
    clients = {}
    for advisor_username, households in HOUSEHOLDS.items():
        for household_name, members in households.items():
            household = _household(firm, users[advisor_username], household_name)
            for first_name, last_name, born in members:
                clients[first_name, last_name] = _client(household, first_name, last_name, born)
    for spec in CLIENT_LOGINS:
        client = clients[spec.first_name, spec.last_name]
        if client.user_id != users[spec.username].pk:
            portfolio_services.link_client_user(actor=None, client=client, user=users[spec.username])
    return firm
