"""Stand-in for the nanobot agent: just enough of its contract for agentctl's tests."""

# PEP 440 local version: "0.3.0-standin" would be rejected by setuptools >= 66.
__version__ = "0.3.0+standin"
