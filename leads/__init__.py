"""Lead lifecycle and dispatch: ids, handling, releasability, routing (pure) and their adapters."""
