# Run against a running server (`make run`):  python samples/suspension_demo.py [http://127.0.0.1:8025]
"""The suspension story: 1,000 free sends, one paid send, midnight, suspended, refused, top up, resumed."""

import sys

from emulator.demo import run

run(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8025")
