"""Webhook delivery's pure core: Standard Webhooks signing and secrets (``signing.py``), the
retry policy (``retry.py``) and what a receiver's answer means (``answers.py``). The sender
service (``stream_apps/webhooks/``) calls into these; no HTTP, Kafka or clock in here."""
