"""CSV exports of the tenancy core: the streaming CSV helpers and builders every app's exports use
(builders), HR's download pages (views, urls) and the API's export endpoints (api)."""
