"""Password hashing with argon2id (argon2-cffi's RFC 9106 low-memory profile).

`verify_password` answers only True or False: a wrong password, a malformed
hash or a hash of another kind are all just "no", so callers have no error
path that could behave (or time) differently for them.
"""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = ["hash_password", "needs_rehash", "verify_password"]

_HASHER = PasswordHasher()  # argon2id; parameters stored in every hash it writes


def hash_password(password: str) -> str:
    """Return an encoded argon2id hash (salt and parameters included)."""
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True only if `password` matches; the comparison is constant-time inside argon2.

    Text that cannot be encoded (lone surrogates) cannot match either: False.
    """
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError, UnicodeError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True if the hash is weaker than, or not of, the current parameters."""
    try:
        return _HASHER.check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return True
