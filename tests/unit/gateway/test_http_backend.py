"""The distributed gateway passes a service's answer on as it arrives: a streamed export's
first rows reach the client while the service is still producing the rest."""

import threading
from collections.abc import Iterator

import pytest
from werkzeug.test import EnvironBuilder

from gateway.backends import HttpBackend
from tests.support.wsgi import loopback_server


@pytest.fixture
def slow_service() -> Iterator[tuple[str, threading.Event, list[bool]]]:
    """A service on a loopback port whose answer holds back its second part until released."""
    release, released = threading.Event(), []

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/csv")])

        def body():
            yield b"id\r\nfirst\r\n"
            released.append(release.wait(10))
            yield b"second\r\n"
        return body()

    with loopback_server(app) as url:
        yield url, release, released
        release.set()


def test_the_answer_is_streamed_not_buffered(slow_service):
    url, release, released = slow_service
    backend = HttpBackend(url, timeout=20)
    statuses = []
    environ = EnvironBuilder(path="/api/slow/export.csv").get_environ()
    body = iter(backend(environ, lambda status, headers, exc_info=None: statuses.append(
        (status, dict(headers)))))
    try:
        # A buffering backend would wait here for the whole answer: the service would wait
        # for its release in vain and hand over both parts at once.
        first = next(body)
        assert statuses[0][0] == "200 OK" and statuses[0][1]["Content-Type"] == "text/csv"
        assert first == b"id\r\nfirst\r\n" and released == []
        release.set()
        assert b"".join(body) == b"second\r\n"
        assert released == [True]
    finally:
        close = getattr(body, "close", None)
        if close:
            close()
