"""The test proxy does what it says: passes, drops, cuts answers after the server acted."""

import http.server
import threading
from collections.abc import Iterator

import httpx
import pytest

from tests.support.faultproxy import FaultPlan, FaultProxy


class _Counting(http.server.BaseHTTPRequestHandler):
    hits = 0

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("content-length", 0))
        body = self.rfile.read(length)
        _Counting.hits += 1
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def upstream() -> Iterator[int]:
    _Counting.hits = 0
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()


def _post(port: int) -> httpx.Response:
    return httpx.post(f"http://127.0.0.1:{port}/", content=b"hej", timeout=5)


def test_a_clean_plan_passes_every_request(upstream: int):
    with FaultProxy(upstream) as proxy:
        assert all(_post(proxy.port).content == b"hej" for _ in range(5))
    assert _Counting.hits == 5


def test_a_dropped_connection_never_reaches_the_server(upstream: int):
    with (
        FaultProxy(upstream, plan=FaultPlan(drop=1.0)) as proxy,
        pytest.raises(httpx.TransportError),
    ):
        _post(proxy.port)
    assert _Counting.hits == 0


def test_a_cut_response_reaches_the_server_but_not_the_client(upstream: int):
    with (
        FaultProxy(upstream, plan=FaultPlan(cut_response=1.0)) as proxy,
        pytest.raises(httpx.TransportError),
    ):
        _post(proxy.port)
    assert _Counting.hits == 1


def test_down_refuses_and_up_accepts_again_on_the_same_port(upstream: int):
    with FaultProxy(upstream) as proxy:
        port = proxy.port
        proxy.down()
        with pytest.raises(httpx.ConnectError):
            _post(port)
        proxy.up()
        assert proxy.port == port
        assert _post(port).status_code == 200
