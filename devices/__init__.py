"""hallq devices package."""
