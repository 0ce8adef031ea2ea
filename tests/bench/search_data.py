"""Realistic relations and search queries for the search benchmark: Dutch names with a long
tail, some accents and infixes, organisations, e-mail addresses and Dutch phone numbers."""

from __future__ import annotations

import random
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

FIRST = ("Jan Piet Kees Klaas Henk Gerrit Willem Johan Hans Peter Pieter Bram Daan Sem Lucas "
         "Finn Levi Milan Noah Thijs Ruben Jesse Bas Tim Koen Wouter Sander Maarten Joost "
         "Anna Emma Julia Sophie Lotte Eva Lisa Sanne Femke Inge Marieke Anouk Fleur Iris "
         "Marjan Marja Ria Truus Els Annemiek Willemijn Hendrika Johanna Cornelia Geertje "
         "José Zoë Chloé René Noël Anaïs Inès Ümit Özlem Søren Maël Léa Björn Éva Hélène "
         "Jürgen François Ángel Mónica Renée Daniël Michiel Joëlle Gaël Ülkü").split()
INFIXES = (("", 70), ("de", 10), ("van", 6), ("van der", 4), ("van den", 3), ("van de", 2),
           ("ter", 1), ("den", 1), ("van 't", 1), ("in 't", 1), ("de la", 1))
COMMON_LAST = ("Jansen Vries Berg Dijk Bakker Janssen Visser Smit Meijer Boer Mulder Groot "
               "Bos Vos Peters Hendriks Leeuwen Dekker Brouwer Wit Dijkstra Smits Graaf Meer "
               "Linden Kok Jacobs Haan Vermeulen Heuvel Veen Broek Bruijn Jong Schouten Koster "
               "Prins Huisman Kuipers Willems Verhoeven Beek Maas Vries Wal Postma Hoekstra "
               "Kramer Koning Sluis Wijk Hermans Timmermans Martens Evers Peeters Kuijpers "
               "Gerritsen Boersma Dam Stam Molenaar Wouters Blom Wolters Kaya Yılmaz Çelik "
               "Öztürk Müller Schröder Gómez Núñez Lefèvre Müjde Ngô Nguyễn").split()
STEMS = ("Berg Brink Dijk Hoek Kamp Veld Bos Mol Wijn Zand Steen Hof Kerk Molen Water Haver "
         "Linde Eik Beuk Roos Klooster Wage Vlieg Scheep Koe Paard Bloem Dorp Stad Kaas Brood "
         "Vis Haring Zee Duin Heide Veen Klei Riet").split()
ENDINGS = ("man sma stra huis kamp ink ing er ers hof veld berg hout land meijer wijk boom "
           "horst beek dal maker kes ens ma sen").split()
ORG_KINDS = ("B.V.", "Stichting", "Vereniging", "Café", "Bakkerij", "Garage", "Kapsalon",
             "Coöperatie", "Tandartspraktijk", "Installatiebedrijf")
DOMAINS = (("gmail.com", 30), ("hotmail.com", 15), ("outlook.com", 10), ("ziggo.nl", 10),
           ("kpnmail.nl", 8), ("xs4all.nl", 5), ("hetnet.nl", 4), ("planet.nl", 3),
           ("live.nl", 3), ("icloud.com", 4), ("home.nl", 3), ("casema.nl", 2))
AREA_CODES = ("10 13 15 20 23 24 26 30 33 35 38 40 43 45 46 50 53 55 58 70 71 72 73 74 75 76 "
              "77 78 79").split()
QUERY_KINDS = ("name_prefix", "two_characters", "name_contains", "full_name", "email_fragment",
               "phone_fragment")


@dataclass(slots=True)
class Seeded:
    """A relation as the benchmark writes it, with the attributes search_rows reads."""

    id: str
    type: str
    status: str
    first_name: str | None
    infix: str | None
    last_name: str | None
    organisation_name: str | None
    emails: list[dict] = field(default_factory=list)
    phones: list[dict] = field(default_factory=list)
    initials: str | None = None
    birth_date: date | None = None
    created_at: datetime | None = None


class Generator:
    def __init__(self, seed: int = 42):
        self.random = random.Random(seed)
        self.start = datetime(2015, 1, 1, tzinfo=UTC)
        self._infixes, self._infix_weights = zip(*INFIXES, strict=True)
        self._domains, self._domain_weights = zip(*DOMAINS, strict=True)

    def last_name(self) -> str:
        r = self.random
        if r.random() < 0.6:
            # Zipf-like: the common names are very common, as in the real register.
            return COMMON_LAST[min(int(r.paretovariate(1.1)) - 1, len(COMMON_LAST) - 1)] \
                if r.random() < 0.5 else r.choice(COMMON_LAST)
        name = r.choice(STEMS) + r.choice(ENDINGS)
        return name if r.random() < 0.8 else f"{name}-{r.choice(STEMS)}{r.choice(ENDINGS)}"

    def relation(self, n: int) -> Seeded:
        r = self.random
        status = "archived" if r.random() < 0.03 else "active"
        rid = str(uuid.UUID(int=r.getrandbits(128), version=4))
        if r.random() < 0.1:
            org = f"{r.choice(ORG_KINDS)} {self.last_name()}"
            local = "info"
            relation = Seeded(rid, "organisation", status, None, None, None, org)
            domain = f"{self.last_name().lower().replace('-', '')}.nl"
        else:
            first, last = r.choice(FIRST), self.last_name()
            infix = r.choices(self._infixes, self._infix_weights)[0] or None
            relation = Seeded(rid, "person", status, first, infix, last, None,
                              initials=first[0] + ".",
                              birth_date=date(1940, 1, 1) + timedelta(days=r.randrange(25000)))
            local = _local_part(r, first, infix, last)
            domain = r.choices(self._domains, self._domain_weights)[0]
        emails = [f"{local}@{domain}"] if r.random() < 0.9 else []
        if r.random() < 0.1:
            emails.append(f"{local}{r.randrange(100)}@{r.choice(self._domains)}")
        relation.emails = [{"address": a, "label": None, "primary": i == 0}
                           for i, a in enumerate(emails)]
        phones = [self.phone() for _ in range(r.choices((0, 1, 2), (10, 80, 10))[0])]
        relation.phones = [{"number": p, "label": None, "primary": i == 0}
                           for i, p in enumerate(phones)]
        relation.created_at = self.start + timedelta(seconds=n * 7)
        return relation

    def phone(self) -> str:
        r = self.random
        if r.random() < 0.7:
            return f"+316{r.randrange(10**8):08d}"
        area = r.choice(AREA_CODES)
        return f"+31{area}{r.randrange(10**7):07d}"

    def queries(self, sample: list[Seeded], per_kind: int) -> list[tuple[str, str]]:
        """(kind, q) pairs drawn from relations that exist, as staff would type them."""
        persons = [s for s in sample if s.type == "person"]
        with_email = [s for s in sample if s.emails]
        with_phone = [s for s in sample if s.phones]
        makers = {"name_prefix": lambda: self._prefix(self.random.choice(persons)),
                  "two_characters": lambda: self._name(self.random.choice(persons))[:2],
                  "name_contains": lambda: self._fragment(self.random.choice(sample)),
                  "full_name": lambda: self._full(self.random.choice(persons)),
                  "email_fragment": lambda: self._email(self.random.choice(with_email)),
                  "phone_fragment": lambda: self._phone(self.random.choice(with_phone))}
        return [(kind, makers[kind]()) for kind in QUERY_KINDS for _ in range(per_kind)]

    def _name(self, s: Seeded) -> str:
        return self.random.choice([s.first_name, s.last_name])

    def _prefix(self, s: Seeded) -> str:
        text = self._name(s)[: self.random.randint(3, 6)]
        return self.random.choice([text, text.lower(), text.upper(), _ascii(text)])

    def _fragment(self, s: Seeded) -> str:
        name = s.organisation_name or s.last_name
        start = self.random.randint(1, max(1, len(name) - 4))
        return name[start:start + self.random.randint(3, 5)].lower()

    def _full(self, s: Seeded) -> str:
        full = " ".join(p for p in (s.first_name, s.infix, s.last_name) if p)
        return full if self.random.random() < 0.5 else full[: max(5, len(full) - 3)]

    def _email(self, s: Seeded) -> str:
        address = s.emails[0]["address"]
        local, _, _domain = address.partition("@")
        choice = self.random.random()
        if choice < 0.5:
            return address[: self.random.randint(4, max(4, len(local)))]
        if choice < 0.8:
            return local[-self.random.randint(3, 6):] + "@"
        return address[: len(local) + 4]

    def _phone(self, s: Seeded) -> str:
        digits = s.phones[0]["number"][3:]  # after +31
        choice = self.random.random()
        if choice < 0.4:
            national = "0" + digits[: self.random.randint(3, 7)]
            return " ".join(national[i:i + 2] for i in range(0, len(national), 2))
        if choice < 0.7:
            return f"+31 {digits[0]} {digits[1:self.random.randint(3, 7)]}"
        start = self.random.randint(2, len(digits) - 6)
        return digits[start:start + 6]


def _local_part(r: random.Random, first: str, infix: str | None, last: str) -> str:
    infix = (infix or "").replace(" ", "")
    style = r.random()
    if style < 0.5:
        local = f"{first}.{infix}{last}"
    elif style < 0.8:
        local = f"{first[0]}{infix}{last}"
    else:
        local = f"{last}{r.randrange(1950, 2010)}"
    return _ascii(local).lower().encode("ascii", "ignore").decode().replace("'", "").replace(
        "-", "")


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
