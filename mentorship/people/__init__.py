"""HR's people pages and the org chart (views, urls)."""
