"""In-app notifications: writes and reads (services), the member's pages (views, urls)."""
