from django.db import models


class RiskProfile(models.TextChoices):
    CONSERVATIVE = "conservative", "Conservative"
    MODERATELY_CONSERVATIVE = "moderately_conservative", "Moderately conservative"
    MODERATE = "moderate", "Moderate"
    MODERATELY_AGGRESSIVE = "moderately_aggressive", "Moderately aggressive"
    AGGRESSIVE = "aggressive", "Aggressive"


class AccountType(models.TextChoices):
    TAXABLE = "taxable", "Taxable (individual)"
    JOINT = "joint", "Joint taxable"
    TRUST = "trust", "Trust"
    IRA = "ira", "Traditional IRA"
    ROTH_IRA = "roth_ira", "Roth IRA"


# Accounts whose realised gains are taxed in the year they happen; the tax-aware rebalancer and
# the wash-sale rule only matter for these.
TAXABLE_ACCOUNT_TYPES = frozenset({AccountType.TAXABLE, AccountType.JOINT, AccountType.TRUST})


class TradingMode(models.TextChoices):
    PAPER = "paper", "Paper (simulator)"
    LIVE = "live", "Live (broker)"


class LotReliefMethod(models.TextChoices):
    FIFO = "fifo", "First in, first out"
    LIFO = "lifo", "Last in, first out"
    HIGHEST_COST = "highest_cost", "Highest cost first"
    SPECIFIC = "specific", "Specific lots"


class TransactionKind(models.TextChoices):
    DEPOSIT = "deposit", "Deposit"
    WITHDRAWAL = "withdrawal", "Withdrawal"
    BUY = "buy", "Buy"
    SELL = "sell", "Sell"
    DIVIDEND = "dividend", "Dividend"
    INTEREST = "interest", "Interest"
    FEE = "fee", "Fee"
    SPLIT = "split", "Split"
    TRANSFER_IN = "transfer_in", "Transfer in (securities)"
    TRANSFER_OUT = "transfer_out", "Transfer out (securities)"


# Cash or securities crossing the account's boundary: the flows time-weighted returns neutralise.
EXTERNAL_FLOW_KINDS = frozenset(
    {TransactionKind.DEPOSIT, TransactionKind.WITHDRAWAL, TransactionKind.TRANSFER_IN, TransactionKind.TRANSFER_OUT}
)


class HoldingTerm(models.TextChoices):
    SHORT = "short", "Short-term"
    LONG = "long", "Long-term"


class RebalanceMode(models.TextChoices):
    FULL = "full", "Full rebalance"
    BANDS_ONLY = "bands_only", "Only holdings out of band"
    INVEST_CASH = "invest_cash", "Invest cash (buys only)"
    RAISE_CASH = "raise_cash", "Raise cash (sells only)"


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    SUPERSEDED = "superseded", "Superseded"


class TradeSide(models.TextChoices):
    BUY = "buy", "Buy"
    SELL = "sell", "Sell"
