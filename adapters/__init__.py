"""Adapters: every place that talks to Kafka (kafka-python, Faust internals) or Redis."""
