"""Ingestion paths for partners without Kafka: an authenticated HTTP endpoint and file import
(JSON Lines, CSV through a column mapping). Both validate every record with the stream's own
``decode_event`` and publish the valid ones with ``FeedPublisher``; a bad record becomes a
per-record refusal, never a failed batch.

Pure core: ``records`` (validation and refusals), ``auth`` (key hashing and lookup),
``rate_limit`` (token buckets over an injected clock), ``mapping`` (CSV rows to envelopes),
``checkpoint`` (file identity and resume state). Adapters: ``http_app`` (aiohttp),
``file_import`` (files, progress bar), ``topic_scan`` (kafka-python reads for resume).
"""
