"""Which real nanobot this stand-in imitates, derived from __version__ alone.

0.3.0 (and anything up to it) behaves like the nanobot-ai 0.3.0 tag; any later release (e.g.
"0.3.5+standin") behaves like nanobot main (2026-08): an empty API key starts anyway, sessions live in
the config dir, `nanobot sessions restore-workspace` exists, and the distribution depends on tzdata.
"""
import re

from nanobot import __version__


def release(version=__version__):
    """The numeric release of a PEP 440 version, padded to three parts: "0.3.5+standin" -> (0, 3, 5)."""
    m = re.match(r"\s*[vV]?(\d+(?:\.\d+)*)", version)
    if not m:
        raise ValueError(f"cannot read a release number from version {version!r}")
    parts = tuple(int(p) for p in m.group(1).split("."))
    return parts + (0,) * (3 - len(parts))


RELEASE = release()
# The reference's "main" behaviour: every version above 0.3.0.
LIKE_MAIN = RELEASE > (0, 3, 0)
FLAVOUR = "main" if LIKE_MAIN else "0.3.0"
