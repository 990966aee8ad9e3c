"""Remove secrets from values before they reach a log line.

Two rules, applied to every string and, recursively, to mappings and sequences:
values under a sensitive key ("password", "X-Api-Key", "client_secret", ...) are
replaced whole, and secret-shaped substrings (URL credentials, bearer tokens,
JWTs, cloud and SaaS key formats, PEM private keys, `key=value` pairs with a
sensitive key, `Name=value;` connection strings, random-looking query values)
are replaced wherever they appear, in percent-encoded URLs too. A marker such
as `[REDACTED:password]` says what was removed, never what it was.

One part per concern: `keys` (which keys name a secret), `formats` (known token
formats), `prefilter` (the cheap test every log record goes through), `text`
(free text), `structures` (the walk over containers), `headers`.
"""

from .headers import safe_headers
from .keys import sensitive_key_label
from .markers import CYCLE, MAX_DEPTH, TOO_DEEP, marker
from .prefilter import might_hold_secret
from .structures import redact, redact_for_logging, redact_log_fields
from .text import redact_text

__all__ = [
    "CYCLE",
    "MAX_DEPTH",
    "TOO_DEEP",
    "marker",
    "might_hold_secret",
    "redact",
    "redact_for_logging",
    "redact_log_fields",
    "redact_text",
    "safe_headers",
    "sensitive_key_label",
]
