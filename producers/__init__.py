"""Feeds in: kafka-python publishers, event builders and the corridor simulator."""
