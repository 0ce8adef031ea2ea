"""The end-to-end tier: HTTP through the gateway of a real running product, in both modes.

`stack` is the product under test, once per mode; each mode starts once per session (the
distributed one costs migrations and a handful of processes) and only when a test asks for it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.running import Gateway, distributed_product, embedded_product


@pytest.fixture(scope="session")
def embedded(tmp_path_factory) -> Iterator[Gateway]:
    """`python -m gateway.embedded` on a free port; it must exit 0 on SIGTERM at the end."""
    with embedded_product(tmp_path_factory.mktemp("embedded")) as gateway:
        yield gateway


@pytest.fixture(scope="session")
def distributed(tmp_path_factory) -> Iterator[Gateway]:
    """A private distributed stack (own vhost, databases, ports), dropped afterwards."""
    with distributed_product(tmp_path_factory.mktemp("stack")) as gateway:
        yield gateway


@pytest.fixture(params=["embedded", "distributed"])
def stack(request) -> Gateway:
    """The running product, in each mode."""
    return request.getfixturevalue(request.param)
