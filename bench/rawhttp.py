"""A minimal keep-alive HTTP/1.1 client on asyncio streams, for benchmarks with many clients.

httpx spends more CPU per request than the server under test would; on two shared cores that
would measure the client. This speaks just enough HTTP for our JSON answers and SSE streams.
"""

import asyncio
import contextlib
from urllib.parse import urlsplit


class Connection:
    def __init__(self, base: str, token: str) -> None:
        parts = urlsplit(base)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.token = token
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()

    def _head(self, method: str, path: str, length: int | None) -> bytes:
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            f"Authorization: Bearer {self.token}",
        ]
        if length is not None:
            lines += ["Content-Type: application/json", f"Content-Length: {length}"]
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    async def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        """Sends one request on the kept-alive connection; (status, body)."""
        assert self.reader is not None and self.writer is not None
        self.writer.write(self._head(method, path, None if body is None else len(body)))
        if body is not None:
            self.writer.write(body)
        status, headers = await self._read_head()
        length = int(headers.get("content-length", "0"))
        return status, await self.reader.readexactly(length)

    async def open_stream(self, path: str) -> int:
        """Sends a GET for an event stream and reads the answer's head; the status."""
        assert self.writer is not None
        self.writer.write(self._head("GET", path, None))
        status, headers = await self._read_head()
        assert "chunked" in headers.get("transfer-encoding", ""), headers
        return status

    async def next_chunk(self) -> bytes:
        """The next chunk of a chunked answer (an SSE event or comment, as servers send them)."""
        assert self.reader is not None
        size = int((await self.reader.readline()).split(b";")[0], 16)
        data = await self.reader.readexactly(size + 2)
        return data[:-2]

    async def _read_head(self) -> tuple[int, dict[str, str]]:
        assert self.reader is not None
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        return status, headers


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]
