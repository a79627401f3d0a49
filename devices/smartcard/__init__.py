"""PC/SC smart cards: social security cards and staff badges read through pcscd.

``pcsc`` holds the :class:`~devices.smartcard.pcsc.SmartCardReader` interface and the pyscard
driver, ``vcard`` a virtual card that plugs into Debian's vpcd reader driver, ``service``
starts pcscd when it is not running, ``apdu`` builds and checks command APDUs.
"""
