"""Exports of matching data (CSV pages and API)."""
