"""hallq packaging package."""
