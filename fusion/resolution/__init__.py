"""Entity resolution (pure): canonical keys that make two reports of one entity meet."""
