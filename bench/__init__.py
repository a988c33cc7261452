"""Benchmark harness: the emulator against the two Python floors (bare aiosmtpd sink, bare FastAPI
endpoint), on pinned cores, reported as ratios. Run `python -m bench --help`."""
