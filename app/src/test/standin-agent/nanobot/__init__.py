"""Stand-in for the nanobot agent (PyPI nanobot-ai), for agentctl's tests. See README.md."""

# PEP 440 local version ("0.3.0-standin" would be rejected by setuptools >= 66). Tests make a second
# version by copying this folder and rewriting this one line: every behaviour that differs between
# versions is derived from it (nanobot/version.py; setup.py for the tzdata dependency).
__version__ = "0.3.0+standin"
