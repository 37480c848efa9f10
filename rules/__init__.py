"""Rules (pure): what makes a lead. Today one built-in rule; the declarative language comes next."""
