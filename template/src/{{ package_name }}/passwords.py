"""Password hashing with argon2id (argon2-cffi's RFC 9106 low-memory profile).

Passwords are NFKC-normalised before hashing and verifying (NIST SP 800-63B
3.1.1.2), so the same password typed on two keyboards (a full-width and an ASCII
"pass", a composed or a decomposed "é") gives the same hash.

`verify_password` answers only True or False: a wrong password, a malformed
hash or a hash of another kind are all just "no", so callers have no error
path that could behave (or time) differently for them.

`NewPassword` is the type for a password being set: 12-128 characters after
normalisation, no control characters, not only whitespace, not one character
repeated, and not on the shipped list of common passwords. Login accepts any
password of the right length, so rules added later never lock anyone out.
"""

import unicodedata
from functools import cache
from importlib.resources import files
from typing import Annotated

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import AfterValidator, StringConstraints

__all__ = [
    "MAX_LENGTH",
    "MIN_LENGTH",
    "NewPassword",
    "check_new_password",
    "hash_password",
    "is_common",
    "needs_rehash",
    "normalise",
    "verify_password",
]

MIN_LENGTH = 12
MAX_LENGTH = 128
_BLOCKLIST_RESOURCE = "common_passwords.txt"  # package data; its header names the source

_HASHER = PasswordHasher()  # argon2id; parameters stored in every hash it writes


def normalise(password: str) -> str:
    """The form that is hashed: Unicode NFKC (compatibility characters folded)."""
    return unicodedata.normalize("NFKC", password)


def hash_password(password: str) -> str:
    """Return an encoded argon2id hash (salt and parameters included)."""
    return _HASHER.hash(normalise(password))


def verify_password(password_hash: str, password: str) -> bool:
    """True only if `password` matches; the comparison is constant-time inside argon2.

    Text that cannot be encoded (lone surrogates) cannot match either: False.
    """
    try:
        return _HASHER.verify(password_hash, normalise(password))
    except (VerificationError, InvalidHashError, UnicodeError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True if the hash is weaker than, or not of, the current parameters."""
    try:
        return _HASHER.check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return True


def is_common(password: str) -> bool:
    """True if `password` (normalised, any case) is on the shipped common-password list."""
    return normalise(password).casefold() in _common_passwords()


def check_new_password(password: str) -> str:
    """Refuse a password that must not be set; the reason never repeats the password."""
    normalised = normalise(password)
    if not MIN_LENGTH <= len(normalised) <= MAX_LENGTH:
        raise ValueError(
            f"must be {MIN_LENGTH} to {MAX_LENGTH} characters after Unicode normalisation"
        )
    if any(unicodedata.category(character) == "Cc" for character in normalised):
        raise ValueError("must not contain control characters")
    if normalised.isspace():
        raise ValueError("must not be only spaces")
    if len(set(normalised)) == 1:
        raise ValueError("must not be one character repeated")
    if normalised.casefold() in _common_passwords():
        raise ValueError("is one of the most common passwords; choose another")
    return password


NewPassword = Annotated[
    str,
    StringConstraints(min_length=MIN_LENGTH, max_length=MAX_LENGTH),
    AfterValidator(check_new_password),
]


@cache
def _common_passwords() -> frozenset[str]:
    """The shipped list, read once on first use (not at import)."""
    package = files(__package__ or __name__)
    text = package.joinpath(_BLOCKLIST_RESOURCE).read_text(encoding="utf-8")
    return frozenset(
        normalise(line).casefold()
        for line in text.splitlines()
        if line and not line.startswith("#")
    )
