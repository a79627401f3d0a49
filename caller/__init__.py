"""hallq caller package."""
