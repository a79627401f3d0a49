"""Window LED screens (窗口屏) on an RS-485 / serial line.

``screen`` holds the interface :class:`~devices.led.screen.LedScreen` and the serial driver,
``protocols`` the pluggable wire protocols (``hallbus``, ``rawline``), ``simulator`` a pty
screen simulator, ``tech`` the technician glue. Error codes are listed in ``errors``.
"""
