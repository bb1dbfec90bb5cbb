"""Renderers of scan results: one module per machine-readable format."""

from stockade.report.interface import OutputFormat, Reporter, reporter_for

__all__ = ["OutputFormat", "Reporter", "reporter_for"]
