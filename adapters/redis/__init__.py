"""Redis: the connection and the stores (watchlist, subscriptions, dissemination audit)."""
