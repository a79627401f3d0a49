"""The service desk's helper (``hallq desk-agent``): it runs on the desk's PC beside the
browser and holds the desk's ID-card reader and ticket printer, paired with the hall as a
``desk`` device. A card swiped at the reader reaches the desk's web page (``POST
/api/v1/desk/card``: the node keeps only the keyed hash and the masked number); a ticket the
page issues or asks to reprint (``ticket.printed`` naming this desk) comes out of the desk's
printer.

Modules: ``agent`` (the reader loop, the printing, the heartbeat), ``reprint`` (what a ticket
printed at the desk says), ``cli`` (the ``hallq desk-agent`` command).
"""
