"""The sync agent beside a hall node: events up, catalog and appointments down, submissions out."""
