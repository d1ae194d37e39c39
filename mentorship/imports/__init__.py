"""People CSV import: parsing, preview and batched apply (services), HR's pages (views, urls)."""
