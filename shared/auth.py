"""Who is asking: the principal the gateway vouches for, and the signed header that carries it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from shared.errors import Unauthenticated

PRINCIPAL_HEADER = "X-Cardbox-Principal"
CORRELATION_HEADER = "X-Correlation-ID"
KINDS = ("staff", "api_client", "portal", "system", "anonymous")
# A header is good for one hop: long enough for a slow request queue, too short to replay.
HEADER_MAX_AGE = 300


@dataclass(frozen=True)
class Principal:
    kind: str
    id: str | None = None
    roles: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    relation_id: str | None = None  # a portal account's own relation
    name: str | None = None
    permissions: tuple[str, ...] = field(default=())

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown principal kind {self.kind!r}")

    @classmethod
    def anonymous(cls) -> Principal:
        return cls(kind="anonymous")

    @classmethod
    def system(cls, name: str) -> Principal:
        """A service or worker acting on its own behalf (a bulk job, a schedule)."""
        return cls(kind="system", id=name, name=name)

    @property
    def label(self) -> str:
        """How history records this principal."""
        return f"{self.kind}:{self.id}" if self.id else self.kind

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Principal:
        fields_ = {k: data.get(k) for k in cls.__dataclass_fields__ if k in data}
        for listed in ("roles", "scopes", "permissions"):
            fields_[listed] = tuple(fields_.get(listed) or ())
        return cls(**fields_)


class PrincipalSigner:
    """Signs the principal at the gateway and checks it in each service (shared secret)."""

    def __init__(self, secret: str):
        self._serializer = URLSafeTimedSerializer(secret, salt="cardbox-principal")

    def sign(self, principal: Principal) -> str:
        return self._serializer.dumps(principal.to_dict())

    def verify(self, header: str | None) -> Principal:
        if not header:
            raise Unauthenticated("the request did not come through the gateway")
        try:
            return Principal.from_dict(self._serializer.loads(header, max_age=HEADER_MAX_AGE))
        except SignatureExpired:
            raise Unauthenticated("the gateway's principal header has expired") from None
        except (BadSignature, TypeError, ValueError):
            raise Unauthenticated("the principal header is not signed by the gateway") from None
