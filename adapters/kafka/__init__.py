"""Kafka clients: kafka-python producers, consumers and admin clients (``clients.py``
opens each), and the one module that reaches into Faust's and aiokafka's internals."""
