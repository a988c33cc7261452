"""All SQL lives here. Only `services` call it."""
