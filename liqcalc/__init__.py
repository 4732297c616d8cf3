"""liqcalc: exchange-faithful liquidation, bankruptcy and ADL what-ifs for perpetual futures."""

__version__ = "0.1.0"
