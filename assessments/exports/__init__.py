"""CSV exports of skill profiles and gaps: builders, HR downloads (views, urls) and API endpoints
(api)."""
