"""Thermal ticket printers (ESC/POS, Chinese in GB 18030) and their simulator.

``ticket`` builds the bytes of a hall ticket, ``drivers`` sends them over TCP, serial, USB or a
device file with python-escpos, ``simulator`` is a printer on a real TCP socket that renders
each cut ticket to a PNG, and ``tech`` holds the technician's discover / self-test / simulator
commands.
"""
