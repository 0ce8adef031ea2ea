"""The gateway in distributed mode: `gunicorn 'gateway.wsgi:create()'`."""

from gateway.app import Gateway
from gateway.backends import HttpBackend
from shared.config import ConfigError, Settings
from shared.context import configure_logging
from shared.service import settle_heap


def create() -> Gateway:
    settings = Settings.from_env()
    configure_logging(settings.log_level, "gateway")
    if not settings.service_urls:
        raise ConfigError("CARDBOX_SERVICE_URLS must name every service's URL")
    gateway = Gateway(settings, {name: HttpBackend(url)
                                 for name, url in settings.service_urls.items()})
    settle_heap()
    return gateway
