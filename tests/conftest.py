import pytest

from shared.testing import reset_memory_bus


@pytest.fixture(autouse=True)
def fresh_memory_bus():
    """Kombu's memory:// broker is process-wide: every test starts with an empty one."""
    reset_memory_bus()
    yield
    reset_memory_bus()
