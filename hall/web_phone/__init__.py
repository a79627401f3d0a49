"""The citizen's phone page (the ticket's QR code), one page for two servers: the hall node on
the LAN (``hall/api/phone_page.py``, ``/t/<token>``) and central on the city's public address
(``central/api/phone_page.py``, ``/p/<hall>/<token>``).

Each server builds the ticket's :class:`~hall.web_phone.state.PhoneState` its own way and this
package renders it (:mod:`hall.web_phone.render`): one HTML file with its CSS and JavaScript
inline (one round trip on a weak Wi-Fi, under 50 KB), which follows the ticket by server-sent
events at ``<page>/events`` (a ``state`` event whenever what the page shows changes, a ``ping``
every few seconds), reconnects with backoff and resumes with ``?last=<event id>``, and posts
``<page>/cancel`` and ``<page>/rating`` (JSON bodies).
"""
