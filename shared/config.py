"""Settings: the only place that reads the environment, read and validated once per process."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
MODES = ("embedded", "distributed")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
MAIL_LANGUAGES = ("nl", "en")
# The most relations an owner takes in one chunk command (relations, accounts): a bulk chunk
# is at most this big.
MAX_CHUNK_RELATIONS = 5000


class ConfigError(ValueError):
    """The environment describes a set-up that cannot work; the message lists every problem."""


@dataclass(frozen=True)
class Settings:
    mode: str = "embedded"
    var_dir: Path = REPO_ROOT / "var"
    # Secrets, and URLs that may carry a password, are left out of repr() (logs, tracebacks).
    broker_url: str = field(default="memory://localhost/", repr=False)
    # `{service}` is replaced by the service name: one database per service.
    database_url: str = field(default="", repr=False)
    service_urls: Mapping[str, str] = field(default_factory=dict)
    principal_secret: str = field(default="", repr=False)
    host: str = "127.0.0.1"
    port: int = 8000
    prefetch: int = 100
    max_deliveries: int = 5
    rpc_timeout: float = 30.0
    confirm_timeout: float = 10.0
    heartbeat: int = 30
    outbox_poll_interval: float = 0.2
    outbox_batch_size: int = 500
    queue_type: str = "classic"
    bulk_workers: int = 2  # bulk-worker threads of the embedded process
    # Relations per bulk.tasks message: per-chunk costs (a transaction and a batch event in
    # each service, the job's counters) weigh little from here on, and locks stay short.
    bulk_chunk_size: int = 2000
    bulk_stall_after: int = 900  # s without chunk progress before a chunk is published again
    # ISO country whose dialling rules read a phone number written without +country code.
    default_country: str = "NL"
    log_level: str = "INFO"
    # Set for gunicorn, whose worker processes add up their metrics in this folder.
    metrics_dir: str | None = None
    # Crash tests only: the consumer process exits right after a commit, before its ack.
    fault_exit_before_ack: bool = False
    # The first superuser of a fresh installation (otherwise a one-time password is printed).
    admin_email: str = ""
    admin_password: str = field(default="", repr=False)
    # Every route but the open ones needs a principal, at the gateway and in each service;
    # CARDBOX_AUTH_REQUIRED=false lets anonymous callers in, for local experiments only.
    auth_required: bool = True
    staff_token_ttl: int = 8 * 3600  # sliding: each use moves it on, up to staff_token_max_age
    staff_token_max_age: int = 24 * 3600
    portal_token_ttl: int = 30 * 86400
    login_failures_per_email: int = 5
    login_failures_per_ip: int = 30
    login_failure_window: int = 15 * 60
    # argon2id cost; the defaults are RFC 9106's second recommendation (64 MiB, 3 passes).
    password_hash_time_cost: int = 3
    password_hash_memory_kib: int = 65536
    # smtp://[user:pass@]host:port or smtp+starttls://…; unset: e-mail goes to var_dir/mail.
    smtp_url: str = field(default="", repr=False)
    mail_language: str = "nl"  # of portal e-mail when an account names none
    mail_max_attempts: int = 8  # deliveries of one e-mail before it is given up as failed

    @property
    def distributed(self) -> bool:
        return self.mode == "distributed"

    def database_url_for(self, service: str) -> str:
        template = self.database_url or f"sqlite:///{self.var_dir}/{{service}}.db"
        return template.replace("{service}", service)

    def with_overrides(self, **changes) -> Settings:
        return replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from CARDBOX_* variables; raise ConfigError naming every bad one."""
        env = os.environ if environ is None else environ
        problems: list[str] = []

        def get(name: str, default: str = "") -> str:
            return env.get(f"CARDBOX_{name}", default).strip()

        def number(name: str, default, kind=int):
            raw = get(name)
            if not raw:
                return default
            try:
                value = kind(raw)
            except ValueError:
                problems.append(f"CARDBOX_{name}={raw!r} is not a {kind.__name__}")
                return default
            if value <= 0:
                problems.append(f"CARDBOX_{name} must be positive, got {raw!r}")
            return value

        # 2,000 relations: per chunk a bus round trip, a transaction and a batch event, whose
        # fixed costs were a tenth of a 100,000-relation job at 1,000 (and no gain beyond).
        chunk_size = number("BULK_CHUNK_SIZE", 2000)
        if chunk_size > MAX_CHUNK_RELATIONS:
            problems.append(f"CARDBOX_BULK_CHUNK_SIZE must be at most {MAX_CHUNK_RELATIONS} "
                            f"(the most relations an owner takes in one command), got {chunk_size}")
        mode = get("MODE", "embedded")
        if mode not in MODES:
            problems.append(f"CARDBOX_MODE must be one of {', '.join(MODES)}, got {mode!r}")
        var_dir = Path(get("VAR_DIR") or REPO_ROOT / "var")
        broker_url = get("BROKER_URL", "memory://localhost/")
        database_url = get("DATABASE_URL")
        service_urls = _parse_service_urls(get("SERVICE_URLS"), problems)
        secret = get("PRINCIPAL_SECRET")
        queue_type = get("QUEUE_TYPE", "classic")
        if queue_type not in ("classic", "quorum"):
            problems.append(f"CARDBOX_QUEUE_TYPE must be classic or quorum, got {queue_type!r}")
        if mode == "distributed":
            if broker_url.startswith("memory://"):
                problems.append(
                    "CARDBOX_BROKER_URL must name RabbitMQ (amqp://) in distributed mode")
            if not database_url:
                problems.append("CARDBOX_DATABASE_URL is required in distributed mode")
            if len(secret) < 32:
                problems.append(
                    "CARDBOX_PRINCIPAL_SECRET must hold at least 32 characters in distributed mode"
                )
        default_country = get("DEFAULT_COUNTRY", "NL").upper()
        if len(default_country) != 2 or not default_country.isalpha():
            problems.append(f"CARDBOX_DEFAULT_COUNTRY must be a two-letter ISO country code, "
                            f"got {default_country!r}")
        log_level = get("LOG_LEVEL", "INFO").upper()
        if log_level not in LOG_LEVELS:
            problems.append(f"CARDBOX_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, "
                            f"got {log_level!r}")
        mail_language = get("MAIL_LANGUAGE", "nl").lower()
        if mail_language not in MAIL_LANGUAGES:
            problems.append(f"CARDBOX_MAIL_LANGUAGE must be one of {', '.join(MAIL_LANGUAGES)}, "
                            f"got {mail_language!r}")
        smtp_url = get("SMTP_URL")
        if smtp_url and not smtp_url.startswith(("smtp://", "smtp+starttls://", "smtps://")):
            problems.append("CARDBOX_SMTP_URL must start with smtp://, smtp+starttls:// or "
                            "smtps://")
        if database_url and "{service}" not in database_url:
            problems.append(
                "CARDBOX_DATABASE_URL must contain {service}: each service owns a database")
        settings = cls(
            mode=mode,
            var_dir=var_dir,
            broker_url=broker_url,
            database_url=database_url,
            service_urls=service_urls,
            # One process shares one secret in embedded mode; nothing outside it needs to know.
            principal_secret=secret or secrets.token_urlsafe(32),
            host=get("HOST", "127.0.0.1"),
            port=number("PORT", 8000),
            prefetch=number("PREFETCH", 100),
            max_deliveries=number("MAX_DELIVERIES", 5),
            rpc_timeout=number("RPC_TIMEOUT", 30.0, float),
            confirm_timeout=number("CONFIRM_TIMEOUT", 10.0, float),
            heartbeat=number("HEARTBEAT", 30),
            outbox_poll_interval=number("OUTBOX_POLL_INTERVAL", 0.2, float),
            outbox_batch_size=number("OUTBOX_BATCH_SIZE", 500),
            queue_type=queue_type,
            bulk_workers=number("BULK_WORKERS", 2),
            bulk_chunk_size=chunk_size,
            bulk_stall_after=number("BULK_STALL_AFTER", 900),
            default_country=default_country,
            log_level=log_level if log_level in LOG_LEVELS else "INFO",
            metrics_dir=env.get("PROMETHEUS_MULTIPROC_DIR") or None,
            fault_exit_before_ack=get("FAULT_EXIT_BEFORE_ACK") == "1",
            admin_email=get("ADMIN_EMAIL"),
            admin_password=env.get("CARDBOX_ADMIN_PASSWORD", ""),
            auth_required=_flag(get("AUTH_REQUIRED"), "AUTH_REQUIRED", True, problems),
            staff_token_ttl=number("STAFF_TOKEN_TTL", 8 * 3600),
            staff_token_max_age=number("STAFF_TOKEN_MAX_AGE", 24 * 3600),
            portal_token_ttl=number("PORTAL_TOKEN_TTL", 30 * 86400),
            login_failures_per_email=number("LOGIN_FAILURES_PER_EMAIL", 5),
            login_failures_per_ip=number("LOGIN_FAILURES_PER_IP", 30),
            login_failure_window=number("LOGIN_FAILURE_WINDOW", 15 * 60),
            password_hash_time_cost=number("PASSWORD_HASH_TIME_COST", 3),
            password_hash_memory_kib=number("PASSWORD_HASH_MEMORY_KIB", 65536),
            smtp_url=smtp_url,
            mail_language=mail_language,
            mail_max_attempts=number("MAIL_MAX_ATTEMPTS", 8),
        )
        if problems:
            raise ConfigError("; ".join(problems))
        return settings


def _flag(raw: str, name: str, default: bool, problems: list[str]) -> bool:
    """A yes/no setting: true/false, yes/no, 1/0 (any case); unset keeps the default."""
    value = raw.lower()
    if not value:
        return default
    if value in ("1", "true", "yes"):
        return True
    if value in ("0", "false", "no"):
        return False
    problems.append(f"CARDBOX_{name} must be true or false, got {raw!r}")
    return default


def _parse_service_urls(raw: str, problems: list[str]) -> dict[str, str]:
    """`relations=http://127.0.0.1:8101,selections=http://...` -> {name: url}."""
    urls: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        name, sep, url = item.partition("=")
        if not sep or not url.startswith(("http://", "https://")):
            problems.append(f"CARDBOX_SERVICE_URLS entry {item!r} is not name=http://host:port")
            continue
        urls[name.strip()] = url.strip().rstrip("/")
    return urls
