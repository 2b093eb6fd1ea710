"""supportbot: a small customer-support API with a machine-learned intent classifier."""
