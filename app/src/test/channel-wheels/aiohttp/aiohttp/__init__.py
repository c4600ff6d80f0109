"""Stand-in for aiohttp (agentctl tests): no code, only the version."""
__version__ = "3.12.15"
