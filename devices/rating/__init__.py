"""Rating pads (评价器): five keys a citizen presses after being served.

``levels`` holds the five keys by number (their labels are the hall's, ``hall/ratings.py``),
``protocol`` the frames, ``pad`` the interface :class:`~devices.rating.pad.RatingPad` and its
serial driver, ``simulator`` a pty pad, ``tech`` the technician glue. Error codes are listed
in ``errors``.
"""
