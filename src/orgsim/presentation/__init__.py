"""Presentation: number formatting, charts, the HTML report and the dashboard."""
