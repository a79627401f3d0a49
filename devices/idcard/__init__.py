"""Resident ID-card readers (二代证阅读器) speaking GA 467 "SAM" frames over serial.

Modules: ``protocol`` (frames, status codes, typed errors), ``parse`` (the 256-byte text
block of every card type), ``photo`` (pluggable WLT photo decoder), ``serial_reader`` (the
interface and the pyserial driver), ``simulator`` (a SAM on a pty), ``tech`` (technician glue).
"""
