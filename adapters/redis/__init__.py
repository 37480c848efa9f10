"""Redis: the connection and the watchlist cache (rebuilt from Kafka when found empty)."""
