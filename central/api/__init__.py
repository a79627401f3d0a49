"""Central's API (``/api/v1``), one router per resource; ``central/app.py`` builds the app and
includes them. What every route reaches (the database, the caller's credential, the live city
state, the mailboxes) is in ``dependencies.py``; how refusals are answered, in
``error_handlers.py``.
"""
