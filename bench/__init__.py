"""hallq bench package."""
