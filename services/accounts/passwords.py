"""Passwords: argon2id hashes, the policy every new password meets, one-time passwords."""

from __future__ import annotations

import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from shared.config import Settings
from shared.errors import ValidationFailed

MIN_LENGTH = 10
MAX_LENGTH = 1000  # argon2 takes any length; this keeps a login request from costing a lot


@cache
def _hasher_for(time_cost: int, memory_kib: int) -> tuple[PasswordHasher, str]:
    """An argon2id hasher of this cost, and a hash of a random password made with it: verified
    when an e-mail address is unknown, so both answers take the same time."""
    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)
    return hasher, hasher.hash(secrets.token_urlsafe(16))


def _hasher(settings: Settings) -> tuple[PasswordHasher, str]:
    return _hasher_for(settings.password_hash_time_cost, settings.password_hash_memory_kib)


def hash_password(password: str, settings: Settings) -> str:
    """An argon2id hash of `password` at the cost `settings` fix, salt and parameters
    included."""
    return _hasher(settings)[0].hash(password)


def verify_password(password: str, password_hash: str | None, settings: Settings) -> bool:
    """Whether `password` matches `password_hash`; with no hash (no such user) it spends the
    same time on a dummy hash and answers False."""
    hasher, dummy = _hasher(settings)
    try:
        return hasher.verify(password_hash or dummy, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str, settings: Settings) -> bool:
    """Whether a stored hash was made with weaker parameters than today's."""
    return _hasher(settings)[0].check_needs_rehash(password_hash)


def policy_problems(password: str, email: str | None = None) -> list[str]:
    """What is wrong with a new password, in words a person can act on (empty when fine)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"must hold at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        problems.append(f"must hold at most {MAX_LENGTH} characters")
    if email and password.strip().casefold() == email.strip().casefold():
        problems.append("must not be the e-mail address")
    return problems


def require_policy(password: str, email: str | None = None, *, field: str = "password") -> None:
    """Refuse a new password that breaks the policy: 422 naming `field`."""
    problems = policy_problems(password, email)
    if problems:
        raise ValidationFailed(f"the {field.replace('_', ' ')} " + " and ".join(problems),
                               errors={field: problems})


def one_time_password() -> str:
    """A random password to hand out once; its holder must change it at first use."""
    return secrets.token_urlsafe(15)
