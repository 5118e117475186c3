"""The identifier printed on a certificate, e.g. ``K7QM-2XHP-9DWR-T4NB-8FJC``.

- 18 random characters of Crockford's base 32 (digits and capital letters without I, L, O and U, which
  are mistaken for 1, 1, 0 and V): 90 random bits from ``secrets``, so identifiers cannot be guessed,
  and the public verification page (rate-limited per address) cannot be used to find one.
- 2 check characters: the 90-bit number modulo the prime 1021, written in base 32. A prime above 32
  divides neither a single changed character (d · 32^k, |d| < 32) nor two swapped neighbours
  ((a - b) · 31 · 32^k), so every such typo is caught before the database is asked.
- Shown in groups of four joined by hyphens; stored without them. Typed input is forgiving: case,
  spaces and hyphens do not matter, and O, I and L are read as 0, 1 and 1.

The check part is not a signature: it tells a typo from a real identifier, nothing more. Whether a
well-formed identifier was issued is decided only by the database, so a forged one with a correct check
part is simply unknown. It is deliberately not keyed with SECRET_KEY: printed certificates must stay
verifiable for years, across a change of the installation's key.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
DATA_LENGTH = 18
CHECK_LENGTH = 2
LENGTH = DATA_LENGTH + CHECK_LENGTH
GROUP = 4
CHECK_MODULUS = 1021  # prime, < 32**2

_VALUE = {char: i for i, char in enumerate(ALPHABET)}
_READ_AS = {"O": "0", "I": "1", "L": "1"}


def _number(chars: str) -> int:
    number = 0
    for char in chars:
        number = number * 32 + _VALUE[char]
    return number


def _encode(number: int, length: int) -> str:
    chars = []
    for _ in range(length):
        number, digit = divmod(number, 32)
        chars.append(ALPHABET[digit])
    return "".join(reversed(chars))


def check_part(data: str) -> str:
    return _encode(_number(data) % CHECK_MODULUS, CHECK_LENGTH)


def new() -> str:
    """A fresh identifier in its stored form (20 characters, no hyphens)."""
    data = "".join(secrets.choice(ALPHABET) for _ in range(DATA_LENGTH))
    return data + check_part(data)


def normalise(typed: str) -> str | None:
    """The stored form of a typed identifier, or None when it cannot be one (wrong length, a character
    outside the alphabet, or a check part that does not match: a typo)."""
    if len(typed) > 4 * LENGTH:
        return None
    chars = "".join(_READ_AS.get(c, c) for c in typed.upper() if c not in " -\t")
    if len(chars) != LENGTH or any(c not in _VALUE for c in chars):
        return None
    if check_part(chars[:DATA_LENGTH]) != chars[DATA_LENGTH:]:
        return None
    return chars


def display(identifier: str) -> str:
    """``K7QM2XHP…`` → ``K7QM-2XHP-…`` (for print and for links)."""
    return "-".join(identifier[i : i + GROUP] for i in range(0, len(identifier), GROUP))
