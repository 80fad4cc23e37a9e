"""Conventions every metric shares (empyrical-reloaded's defaults for daily data)."""

# Trading sessions per year used to annualise daily figures (empyrical's APPROX_BDAYS_PER_YEAR).
PERIODS_PER_YEAR = 252

# Confidence levels reported for value at risk; the tail probability is 1 - level.
VAR_LEVELS = (0.95, 0.99)
