"""hallq sync package."""
