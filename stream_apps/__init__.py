"""Faust stream apps: intake (validate, watchlist, rules) and dispatch (route leads to agencies)."""
