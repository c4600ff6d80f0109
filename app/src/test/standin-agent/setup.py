"""Dependencies derived from nanobot/__init__.py's __version__ (the one line tests rewrite):
0.3.0 depends on nothing (the real 0.3.0 wants `tzdata` on Windows only); any later version, like nanobot main,
depends on `tzdata` everywhere, so an offline build of it needs a tzdata wheel in --find-links.
Everything else is in pyproject.toml."""
import os
import re


def version():
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "nanobot", "__init__.py"), encoding="utf-8") as f:
        return re.search(r'^__version__\s*=\s*["\']([^"\']+)["\']', f.read(), re.M).group(1)


def requirements(v):
    release = tuple(int(p) for p in re.match(r"\d+(?:\.\d+)*", v).group(0).split("."))
    release += (0,) * (3 - len(release))
    return ["tzdata"] if release > (0, 3, 0) else []


if __name__ == "__main__":
    from setuptools import setup

    setup(install_requires=requirements(version()))
