"""Finding the hall node on the LAN: it advertises ``_hallq._tcp.local.`` with zeroconf.

The advert's TXT record carries ``hall_id`` and ``api`` (the API version). Clients browse for
it with :func:`find_halls` / :func:`find_hall`; peers are deduplicated by hall id, so a hall that
changed address is updated, not added twice.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from dataclasses import dataclass

from zeroconf import (
    InterfaceChoice,
    IPVersion,
    NotRunningException,
    ServiceBrowser,
    ServiceInfo,
    ServiceListener,
    Zeroconf,
)
from zeroconf.asyncio import AsyncZeroconf

log = logging.getLogger("hallq.discovery")

SERVICE_TYPE = "_hallq._tcp.local."


@dataclass(frozen=True)
class HallAddress:
    """A hall node found on the LAN."""

    hall_id: str
    url: str
    api_version: str
    name: str


def _interfaces(address: str) -> list[str] | None:
    """Zeroconf interfaces for a bind address (None = all)."""
    return None if address in ("0.0.0.0", "", "::") else [address]


def _advert_addresses(host: str) -> list[bytes]:
    if host not in ("0.0.0.0", "", "::"):
        return [socket.inet_aton(host)]
    try:
        found = {str(info[4][0]) for info in socket.getaddrinfo(socket.gethostname(), None,
                                                              socket.AF_INET)}
    except OSError:
        found = set()
    return [socket.inet_aton(a) for a in sorted(found or {"127.0.0.1"})]


class Advertiser:
    """Registers the hall's service at start and withdraws it at stop; every call guarded."""

    def __init__(self, hall_id: str, name: str, host: str, port: int, api_version: str) -> None:
        safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in hall_id)
        self.info = ServiceInfo(
            SERVICE_TYPE, f"hallq-{safe}.{SERVICE_TYPE}", port=port,
            addresses=_advert_addresses(host), server=f"hallq-{safe}.local.",
            properties={"hall_id": hall_id, "api": api_version, "name": name},
        )
        self._interfaces = _interfaces(host)
        self._zc: AsyncZeroconf | None = None

    async def start(self) -> bool:
        """Advertise; False (logged) when multicast is not available here."""
        try:
            self._zc = AsyncZeroconf(interfaces=self._interfaces or InterfaceChoice.All,
                                     ip_version=IPVersion.V4Only)
            await self._zc.async_register_service(self.info, allow_name_change=True)
            log.info("advertising %s on port %s", self.info.name, self.info.port)
            return True
        except Exception as err:  # no multicast route, no interface …
            log.warning("could not advertise the hall with zeroconf: %s", err)
            await self.stop()
            return False

    async def stop(self) -> None:
        """Withdraw the advert."""
        if self._zc is None:
            return
        try:
            await self._zc.async_unregister_service(self.info)
        except Exception as err:
            log.warning("could not withdraw the zeroconf advert: %s", err)
        try:
            await self._zc.async_close()
        except Exception as err:
            log.warning("could not close zeroconf: %s", err)
        self._zc = None


class _Collector(ServiceListener):
    def __init__(self) -> None:
        self.found: dict[str, HallAddress] = {}
        self.changed = threading.Event()

    def _resolve(self, zc: Zeroconf, type_: str, name: str) -> None:
        try:
            info = zc.get_service_info(type_, name, timeout=2000)
        except NotRunningException:
            return      # browsing ended (its time was up) while this hall was being asked
        if info is None or not info.parsed_addresses():
            return
        props = {k.decode(): (v or b"").decode() for k, v in info.properties.items()}
        hall_id = props.get("hall_id", name)
        self.found[hall_id] = HallAddress(
            hall_id=hall_id, url=f"http://{info.parsed_addresses()[0]}:{info.port}",
            api_version=props.get("api", ""), name=props.get("name", ""))
        self.changed.set()

    def add_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        self._resolve(zc, type_, name)

    def update_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        self._resolve(zc, type_, name)

    def remove_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        pass


def _browsing(interface: str | None) -> Zeroconf:
    """A Zeroconf to browse on ``interface`` (an address), or on every interface by default."""
    return Zeroconf(interfaces=[interface] if interface else InterfaceChoice.All,
                    ip_version=IPVersion.V4Only)


def find_halls(timeout: float = 3.0, interface: str | None = None) -> list[HallAddress]:
    """Browse the LAN for ``timeout`` seconds; every hall found, one per hall id."""
    zc = _browsing(interface)
    collector = _Collector()
    try:
        ServiceBrowser(zc, SERVICE_TYPE, collector)
        time.sleep(timeout)
    finally:
        zc.close()
    return sorted(collector.found.values(), key=lambda h: h.hall_id)


def find_hall(timeout: float = 5.0, hall_id: str | None = None,
              interface: str | None = None) -> HallAddress | None:
    """The first hall found (or the one with ``hall_id``), or None after ``timeout``."""
    zc = _browsing(interface)
    collector = _Collector()
    deadline = time.monotonic() + timeout
    try:
        ServiceBrowser(zc, SERVICE_TYPE, collector)
        while time.monotonic() < deadline:
            collector.changed.wait(max(0.0, deadline - time.monotonic()))
            collector.changed.clear()
            for found in collector.found.values():
                if hall_id is None or found.hall_id == hall_id:
                    return found
    finally:
        zc.close()
    return None
