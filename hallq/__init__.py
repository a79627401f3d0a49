"""The `hallq` command: launches any role, the demo hall and the technicians' commands."""
