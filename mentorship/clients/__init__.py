"""HR's API client pages: OAuth2 client credentials for HR systems (views, urls)."""
