"""Stand-in for python-socks (agentctl tests): no code, only the version."""
__version__ = "2.7.1"
