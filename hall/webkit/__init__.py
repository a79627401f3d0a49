"""The web kit: what the hall node's staff pages (``hall/web/``) and central's pages share.

Server-rendered pages, Chinese first with an English switch, a little plain JavaScript, no
single-page framework:

==================  ==============================================================
``i18n``            the page's language (a cookie; Chinese unless English was chosen)
``templating``      Jinja2 templates over the kit's base page; figures in the hall's time zone
``sessions``        staff sessions kept on the server: random id in an HttpOnly,
                    SameSite=Strict cookie, idle and absolute expiry, sign-out
``csrf``            a per-session token in every form, checked on every POST, and the
                    request's ``Origin``
``forms``           reading a posted form (``application/x-www-form-urlencoded``)
``roles``           what each web role may open (desk, supervisor, back office)
``templates/``      the base page, the error page and the staff's sign-in form (the hall's
                    and the back office's: their heading, a badge and desks as variables)
``static/``         ``kit.css`` and ``kit.js``, served at ``/static/kit/``; ``dashboard.css``
                    for pages of figures (tables that become cards on a phone, plots)
==================  ==============================================================

The kit imports no hall runtime (node, store, API): central uses it too.
"""
