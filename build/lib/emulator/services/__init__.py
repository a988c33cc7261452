"""Use cases: the only API the front-ends call. Each owns its database transaction."""
