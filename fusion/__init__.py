"""Fusion Lead Dispatcher: shared contract, reference data and the `fusion` command line."""
