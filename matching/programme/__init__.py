"""Programme analytics: how mentoring is going across the organisation."""
