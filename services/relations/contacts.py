"""E-mail addresses and phone numbers in one canonical form, so search and de-duplication
compare like with like."""

from __future__ import annotations

from typing import Any

import phonenumbers

from shared.errors import ValidationFailed

_REASONS = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: "unknown country code",
    phonenumbers.NumberParseException.NOT_A_NUMBER: "not a phone number",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "too short",
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "too short",
    phonenumbers.NumberParseException.TOO_LONG: "too long",
}

_LENGTH_REASONS = {
    phonenumbers.ValidationResult.TOO_SHORT: "too short",
    phonenumbers.ValidationResult.TOO_LONG: "too long",
    phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "unknown country code",
    phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "misses its area code",
}


def e164(number: str, region: str) -> str:
    """`number` in E.164 (+31612345678), read as dialled in `region`; ValueError says why not."""
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(_REASONS.get(exc.error_type, str(exc))) from None
    possible = phonenumbers.is_possible_number_with_reason(parsed)
    if possible != phonenumbers.ValidationResult.IS_POSSIBLE:
        raise ValueError(_LENGTH_REASONS.get(possible, "wrong length for its country"))
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError("not a valid number in its country")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def national_digits(number: str) -> str:
    """The digits a person would dial at home (0612345678 for +31612345678), for search."""
    parsed = phonenumbers.parse(number, None)
    national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return "".join(ch for ch in national if ch.isdigit())


def normalised_contacts(changes: dict[str, Any], region: str) -> dict[str, Any]:
    """Phones in E.164, e-mail domains in lower case, the first entry primary unless another
    was chosen; a bad phone number is a 422 on `phones.<index>.number` with the reason."""
    result = dict(changes)
    errors: dict[str, list[str]] = {}
    if changes.get("phones"):
        phones = []
        for index, phone in enumerate(changes["phones"]):
            try:
                phones.append(dict(phone, number=e164(phone["number"], region)))
            except ValueError as exc:
                errors[f"phones.{index}.number"] = [f"{phone['number']!r}: {exc}"]
        result["phones"] = phones
    if changes.get("emails"):
        result["emails"] = [dict(email, address=_canonical_email(email["address"]))
                            for email in changes["emails"]]
    if errors:
        raise ValidationFailed("some phone numbers are not valid: " + ", ".join(sorted(errors)),
                               errors=errors)
    for plural in ("emails", "phones"):
        entries = result.get(plural)
        if entries and not any(entry.get("primary") for entry in entries):
            result[plural] = [dict(entries[0], primary=True), *entries[1:]]
    return result


def _canonical_email(address: str) -> str:
    # The local part may be case-sensitive in theory; the domain never is.
    local, _, domain = address.strip().rpartition("@")
    return f"{local}@{domain.lower()}"
