"""hallq display package."""
