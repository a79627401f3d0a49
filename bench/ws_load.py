"""A minimal WebSocket client on asyncio streams, for thousands of followers in one process.

Only what following the hall node needs: the opening handshake, reading the server's text
frames (unmasked, as RFC 6455 has servers send them) and answering its pings, so that the load
generator's CPU goes to the node being measured, not to a full client library.
"""

from __future__ import annotations

import asyncio
import base64
import os
import struct


class WebSocketFollower:
    """One WebSocket connection that reads text messages from ``path`` on ``host:port``."""

    def __init__(self, host: str, port: int, path: str, token: str | None = None) -> None:
        self.host, self.port, self.path, self.token = host, port, path, token
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        """Connect and upgrade; raises ConnectionError unless the server switches protocols."""
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        key = base64.b64encode(os.urandom(16)).decode()
        auth = f"Authorization: Bearer {self.token}\r\n" if self.token else ""
        self.writer.write(
            f"GET {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            f"Sec-WebSocket-Version: 13\r\n{auth}\r\n".encode())
        status = await self.reader.readline()
        if b" 101 " not in status:
            raise ConnectionError(f"no upgrade: {status!r}")
        while (await self.reader.readline()) not in (b"\r\n", b""):
            pass

    async def recv(self) -> str | None:
        """The next text message; None once the server closed."""
        assert self.reader is not None and self.writer is not None
        while True:
            try:
                head = await self.reader.readexactly(2)
            except (asyncio.IncompleteReadError, ConnectionError):
                return None
            opcode, length = head[0] & 0x0F, head[1] & 0x7F
            if length == 126:
                length = struct.unpack("!H", await self.reader.readexactly(2))[0]
            elif length == 127:
                length = struct.unpack("!Q", await self.reader.readexactly(8))[0]
            payload = await self.reader.readexactly(length) if length else b""
            if opcode == 0x1:
                return payload.decode()
            if opcode == 0x8:
                return None
            if opcode == 0x9:           # ping: answer with a (masked) pong
                self._send(0xA, payload)

    def _send(self, opcode: int, payload: bytes) -> None:
        assert self.writer is not None
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.writer.write(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)

    async def close(self) -> None:
        """Close the connection (a close frame, then the socket)."""
        if self.writer is None:
            return
        try:
            self._send(0x8, struct.pack("!H", 1000))
            self.writer.close()
            await self.writer.wait_closed()
        except (OSError, RuntimeError):
            pass
