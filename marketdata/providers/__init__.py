"""Sources of daily bars behind one interface (``base.DailyBarProvider``), and the failover chain."""
