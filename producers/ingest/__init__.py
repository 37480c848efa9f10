"""Ingestion paths for partners without Kafka: an authenticated HTTP endpoint and file import
(JSON Lines, CSV through a column mapping). Both validate every record with the stream's own
``decode_event`` and publish with ``FeedPublisher``. An HTTP batch is judged whole (one
refused event and nothing of it is published) and published once (events already on their
feed topics are not sent again); a file import refuses a bad record on its own.

Pure core: ``records`` (validation and refusals), ``body`` and ``batch`` (a request body and
a whole batch judged), ``accepted`` (the bounded memory of published events), ``keys_file``
and ``auth`` (key hashing, the keys file, lookup), ``rate_limit`` (token buckets over an
injected clock), ``mapping`` (CSV rows to envelopes), ``checkpoint`` (file identity and
resume state). Around them: ``once`` (publish what is not on the topics yet), ``http_app``
(aiohttp), ``file_import`` (files, progress bar); the Kafka side is ``adapters.kafka``
(``feed_publisher``, ``feed_ledger``, ``topic_scan``).
"""
