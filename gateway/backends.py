"""Where the gateway sends a service's requests: its WSGI app in this process, or its URL."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from werkzeug.test import Client

# Headers that belong to one connection, never forwarded (RFC 9110 §7.6.1).
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
              "trailer", "transfer-encoding", "upgrade", "content-length"}
# The service is addressed by its own URL; the client's Host names the gateway.
NOT_FORWARDED = HOP_BY_HOP | {"host"}
# PATH_INFO arrives decoded: "%", "?" and "#" in it are quoted again so the service serves the
# path the gateway checked (requests would decode "%69" once more, or cut at "?" or "#").
PATH_SAFE = "/!$&'()*+,;=:@[]"


class Backend(Protocol):
    def __call__(self, environ: dict, start_response) -> Iterable[bytes]: ...

    def get_json(self, path: str, headers: dict[str, str]) -> tuple[int, Any]: ...

    def post_json(self, path: str, body: Any, headers: dict[str, str]) -> tuple[int, Any]: ...


class InProcessBackend:
    """A service app in this process: the request is handed over, no copy, no socket."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)

    def get_json(self, path, headers):
        response = Client(self.app).get(path, headers=headers)
        return response.status_code, response.get_json(silent=True)

    def post_json(self, path, body, headers):
        response = Client(self.app).post(path, json=body, headers=headers)
        return response.status_code, response.get_json(silent=True)


class HttpBackend:
    """A service behind its own gunicorn: requests are streamed through a pooled session."""

    def __init__(self, base_url: str, *, timeout: float = 60.0, pool_size: int = 32):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def __call__(self, environ, start_response):
        url = self.base_url + quote(environ.get("PATH_INFO", ""), safe=PATH_SAFE)
        if environ.get("QUERY_STRING"):
            url += "?" + environ["QUERY_STRING"]
        headers = {
            key[5:].replace("_", "-").title(): value
            for key, value in environ.items()
            if key.startswith("HTTP_") and key[5:].replace("_", "-").lower() not in NOT_FORWARDED
        }
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else None
        upstream = self.session.request(environ["REQUEST_METHOD"], url, headers=headers,
                                        data=body, stream=True, timeout=self.timeout,
                                        allow_redirects=False)
        status = f"{upstream.status_code} {upstream.reason}"
        response_headers = [(k, v) for k, v in upstream.raw.headers.items()
                            if k.lower() not in HOP_BY_HOP]
        start_response(status, response_headers)
        return _stream(upstream)

    def get_json(self, path, headers):
        return _json_of(self.session.get(self.base_url + path, headers=headers, timeout=10))

    def post_json(self, path, body, headers):
        return _json_of(self.session.post(self.base_url + path, json=body, headers=headers,
                                          timeout=10))


def _json_of(response: requests.Response) -> tuple[int, Any]:
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, None


def _stream(upstream: requests.Response) -> Iterable[bytes]:
    try:
        yield from upstream.raw.stream(64 * 1024, decode_content=False)
    finally:
        upstream.close()
