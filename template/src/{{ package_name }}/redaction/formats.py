"""Known token formats: one table, and the patterns and literals derived from it.

The formats are facts from public secret-scanner rule sets (gitleaks'
`config/gitleaks.toml`, detect-secrets' plugins, trufflehog's detectors); the
patterns are written here, loosely, so a variant of a format is still caught.
"""

import re
from typing import Final, NamedTuple

from .markers import marker
from .patterns import reversed_prefix, trie

__all__ = ["FORMATS", "LABELS", "TokenFormat", "redact_tokens", "token_prefixes"]


class TokenFormat(NamedTuple):
    """A token format: its marker label, literal prefixes and what follows a prefix."""

    label: str
    prefixes: tuple[str, ...]
    body: str


FORMATS: Final = (
    TokenFormat(
        "private_key",
        ("-----BEGIN",),
        r"[A-Z0-9 ]{0,64}PRIVATE KEY(?: BLOCK)?-----"
        r"(?s:.*?-----END[A-Z0-9 ]{0,64}PRIVATE KEY(?: BLOCK)?-----|.*)",
    ),
    # The header never runs on over `-eyJ` / `_eyJ`, where the next candidate starts:
    # each character is then read by one candidate, not by all of them (linear time).
    TokenFormat(
        "jwt",
        ("eyJ",),
        r"(?:[A-Za-z0-9]|[_-](?!eyJ))++\.eyJ[A-Za-z0-9_-]++\.[A-Za-z0-9_-]*+",
    ),
    TokenFormat(
        "aws_access_key", ("AKIA", "ASIA", "ABIA", "ACCA"), r"[A-Z0-9]{16}(?![A-Za-z0-9])"
    ),
    TokenFormat("github_token", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"), r"[A-Za-z0-9]{36,}+"),
    TokenFormat("github_token", ("github_pat_",), r"[A-Za-z0-9_]{22,}+"),
    TokenFormat(
        "gitlab_token",
        ("glpat-", "gldt-", "glptt-", "glrt-", "glsoat-", "glcbt-", "glft-", "gloas-"),
        r"[A-Za-z0-9_-]{20,}+",
    ),
    TokenFormat(
        "slack_token",
        ("xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe-", "xoxo-", "xapp-"),
        r"[A-Za-z0-9-]{10,}+",
    ),
    TokenFormat(
        "slack_webhook", ("hooks.slack.com/",), r"(?:services|workflows|triggers)/[A-Za-z0-9/_-]++"
    ),
    TokenFormat(
        "stripe_key", ("sk_live_", "sk_test_", "rk_live_", "rk_test_"), r"[A-Za-z0-9]{10,}+"
    ),
    TokenFormat("stripe_key", ("whsec_",), r"[A-Za-z0-9]{20,}+"),
    TokenFormat("google_api_key", ("AIza",), r"[A-Za-z0-9_-]{35}"),
    TokenFormat("google_oauth_token", ("ya29.",), r"[A-Za-z0-9_-]{20,}+"),
    TokenFormat("google_client_secret", ("GOCSPX-",), r"[A-Za-z0-9_-]{20,}+"),
    TokenFormat("api_key", ("sk-",), r"[A-Za-z0-9_-]{20,}+"),  # OpenAI, Anthropic and others
    TokenFormat("npm_token", ("npm_",), r"[A-Za-z0-9]{36}(?![A-Za-z0-9])"),
    TokenFormat("pypi_token", ("pypi-",), r"[A-Za-z0-9_-]{50,}+"),
    TokenFormat("huggingface_token", ("hf_",), r"[A-Za-z0-9]{30,}+"),
    TokenFormat("sendgrid_key", ("SG.",), r"[A-Za-z0-9_-]{16,}+\.[A-Za-z0-9_-]{16,}+"),
    TokenFormat("shopify_token", ("shpat_", "shpca_", "shppa_", "shpss_"), r"[A-Fa-f0-9]{32}"),
    TokenFormat("digitalocean_token", ("dop_v1_", "doo_v1_", "dor_v1_"), r"[a-f0-9]{64}"),
    TokenFormat("linear_key", ("lin_api_",), r"[A-Za-z0-9]{40}"),
    TokenFormat("square_token", ("sq0atp-", "sq0csp-"), r"[A-Za-z0-9_-]{22,}+"),
    TokenFormat("atlassian_token", ("ATATT3",), r"[A-Za-z0-9_=-]{100,}+"),
    TokenFormat("databricks_token", ("dapi",), r"[a-f0-9]{32}(?:-[0-9])?"),
    TokenFormat(
        "planetscale_token",
        ("pscale_tkn_", "pscale_pw_", "pscale_oauth_"),
        r"[A-Za-z0-9_.-]{32,}+",
    ),
    TokenFormat("postman_key", ("PMAK-",), r"[a-f0-9]{24}-[a-f0-9]{34}"),
    TokenFormat("vault_token", ("hvs.", "hvb."), r"[A-Za-z0-9_-]{24,}+"),
    TokenFormat("age_secret_key", ("AGE-SECRET-KEY-",), r"1[A-Z0-9]{58}"),
    TokenFormat("docker_token", ("dckr_pat_",), r"[A-Za-z0-9_-]{27,}+"),
    TokenFormat("grafana_token", ("glc_", "glsa_"), r"[A-Za-z0-9+/_]{32,}+={0,2}"),
    TokenFormat("sentry_token", ("sntrys_", "sntryu_"), r"[A-Za-z0-9+/=_]{32,}+"),
    TokenFormat("newrelic_key", ("NRAK-",), r"[A-Z0-9]{27}"),
    TokenFormat("figma_token", ("figd_",), r"[A-Za-z0-9_-]{40,}+"),
    TokenFormat("rubygems_key", ("rubygems_",), r"[a-f0-9]{48}"),
    TokenFormat("doppler_token", ("dp.pt.",), r"[A-Za-z0-9]{40,}+"),
    TokenFormat("pulumi_token", ("pul-",), r"[a-f0-9]{40}"),
    TokenFormat("heroku_key", ("HRKU-",), r"[A-Za-z0-9_-]{30,}+"),
)
"""Each format: every prefix followed by its body is a secret of that kind."""

LABELS: Final = frozenset(token_format.label for token_format in FORMATS)

# A prefix glued to a word (`xghp_...`) starts no token. The lookbehind says so
# in the pattern, so a run of glued prefixes (`eyJeyJeyJ...`) is not read once
# per prefix: only a prefix at a word's start is tried.
_NOT_GLUED: Final = r"(?<![^\W_])"

# (compiled pattern, marker): the pattern starts with the literal
# prefixes, so the engine finds them by fast substring search.
_RULES: Final = tuple(
    (
        re.compile(
            f"{_NOT_GLUED}(?:{'|'.join(map(re.escape, token_format.prefixes))}){token_format.body}"
        ),
        marker(token_format.label).replace("\\", "\\\\"),  # a `re.sub` template
    )
    for token_format in FORMATS
)


def token_prefixes() -> tuple[str, ...]:
    """Every literal prefix of the table, for a prefilter to look for."""
    return tuple(prefix for token_format in FORMATS for prefix in token_format.prefixes)


def _finder() -> tuple[re.Pattern[str], dict[str, list[int]], list[tuple[str, int]]]:
    """One backwards search for every prefix: the pattern, what each match means, the rest.

    A match maps to the rules its prefix starts; prefixes of common characters
    only are left for substring tests.
    """
    found: dict[str, list[int]] = {}
    plain: list[tuple[str, int]] = []
    entries: list[tuple[str, str]] = []
    for index, token_format in enumerate(FORMATS):
        for prefix in token_format.prefixes:
            backwards = reversed_prefix(prefix)
            if backwards is None:
                plain.append((prefix, index))
                continue
            entries.append((backwards.literal, backwards.tail))
            found.setdefault(backwards.consumed, []).append(index)
    return re.compile(trie(entries)), found, plain


_FINDER, _FOUND, _PLAIN = _finder()


def redact_tokens(text: str) -> str:
    """Replace every known token format in `text` by its marker."""
    backwards = text[::-1]
    found = [index for prefix, index in _PLAIN if prefix in text]
    if not found and _FINDER.search(backwards) is None:
        return text  # the usual case: no prefix at all
    found += [index for match in _FINDER.finditer(backwards) for index in _FOUND[match[0]]]
    for index in sorted(set(found)):
        pattern, replacement = _RULES[index]
        text = pattern.sub(replacement, text)
    return text
