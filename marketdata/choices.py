from django.db import models


class AssetClass(models.TextChoices):
    EQUITY = "equity", "Equity"
    ETF = "etf", "Exchange-traded fund"
    FIXED_INCOME = "fixed_income", "Fixed income"
    CASH = "cash", "Cash equivalent"
    REAL_ESTATE = "real_estate", "Real estate"
    COMMODITY = "commodity", "Commodity"
    INDEX = "index", "Index (not tradable)"


class CorporateActionKind(models.TextChoices):
    SPLIT = "split", "Split"
    CASH_DIVIDEND = "cash_dividend", "Cash dividend"


class BreakerState(models.TextChoices):
    CLOSED = "closed", "Closed (calls go through)"
    OPEN = "open", "Open (calls refused until the reset timeout)"
    HALF_OPEN = "half_open", "Half-open (one trial call)"
