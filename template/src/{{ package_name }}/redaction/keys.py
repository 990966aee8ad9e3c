"""Which keys name a secret, whatever their case and separators."""

import re
from functools import lru_cache
from typing import Final

__all__ = ["KEY_HINTS", "sensitive_key_label"]

# Key stem (its words, compared without case or separators) -> what the marker names.
# Order matters: the first stem found in a key decides the label.
_KEY_STEMS: Final[tuple[tuple[tuple[str, ...], str], ...]] = (
    (("password",), "password"),
    (("passwd",), "password"),
    (("passphrase",), "password"),
    (("pwd",), "password"),
    (("passcode",), "password"),
    (("secret",), "secret"),
    (("private", "key"), "private_key"),
    (("access", "key"), "access_key"),
    (("account", "key"), "access_key"),  # Azure storage connection strings
    (("master", "key"), "access_key"),
    (("signing", "key"), "secret"),
    (("encryption", "key"), "secret"),
    (("api", "key"), "api_key"),
    (("token",), "token"),
    (("authorization",), "authorization"),
    (("cookie",), "cookie"),
    (("session",), "session"),
    (("credential",), "credential"),
    (("signature",), "signature"),
    (("database", "url"), "dsn"),
    (("connection", "string"), "dsn"),
    (("dsn",), "dsn"),
    (("jwt",), "jwt"),
)
# Label -> short keys that are words of other keys (`bypass`, `pwm`): a secret only on their own.
_EXACT_KEY_LABELS: Final = {
    "authorization": ("auth",),
    "signature": ("sig",),
    "session": ("sid",),
    "password": ("pass", "pw"),
}
_EXACT_KEYS: Final = {key: label for label, keys in _EXACT_KEY_LABELS.items() for key in keys}
_AUTH_SUFFIX: Final = "auth"  # basic_auth, proxyAuth
_NAME_SUFFIX: Final = "name"  # SharedAccessKeyName, secret_name: they name a secret, not hold it
_STEMS: Final = tuple(("".join(words), label) for words, label in _KEY_STEMS)

KEY_HINTS: Final = tuple(
    sorted({max(words, key=len) for words, _ in _KEY_STEMS} | set(_EXACT_KEYS) | {_AUTH_SUFFIX})
)
"""One word every sensitive key holds as written (separators may split a stem, not a word)."""

_NON_ALNUM: Final = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=4096)
def sensitive_key_label(key: str) -> str | None:
    """The marker label if `key` names a secret ("X-Api-Key" -> "api_key"), else None.

    Case and separators are ignored, so `client_secret`, `clientSecret` and
    `CLIENT-SECRET` all match. Keys repeat, so answers are cached (bounded).
    """
    normalised = _NON_ALNUM.sub("", key.lower())
    exact = _EXACT_KEYS.get(normalised)
    if exact is not None:
        return exact
    if normalised.endswith(_NAME_SUFFIX):
        return None
    for stem, label in _STEMS:
        if stem in normalised:
            return label
    if normalised.endswith(_AUTH_SUFFIX):
        return "authorization"
    return None
