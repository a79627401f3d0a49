"""hallq hall package."""
