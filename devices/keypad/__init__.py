"""Calling keypads (呼叫器): the staff's keys at a window, with a 2-line display.

``keys`` holds the key codes and their labels, ``protocol`` the frames (on the bus of
:mod:`devices.busframe`, shared with the window's LED screen and rating pad), ``pad`` the
interface :class:`~devices.keypad.pad.Keypad` and its serial driver, ``simulator`` a pty
keypad, ``tech`` the technician glue. Error codes are listed in ``errors``.
"""
