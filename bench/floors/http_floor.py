"""The Python HTTP floor: bare FastAPI + uvicorn (uvloop, httptools) parsing the JSON body and returning
an id, configured like the emulator's HTTP server; no signature check, no store.

    python -m bench.floors.http_floor --port 2601
"""

from __future__ import annotations

import argparse
import uuid
from typing import Any

import uvicorn
from fastapi import FastAPI, Request

app = FastAPI()


@app.post("/")
async def send(request: Request) -> dict[str, Any]:
    body = await request.json()
    return {"Response": {"MessageId": str(uuid.uuid4()), "RequestId": str(uuid.uuid4()), "n": len(body)}}


def main(argv: Any = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    a = p.parse_args(argv)
    uvicorn.run(
        app,
        host=a.host,
        port=a.port,
        loop="uvloop",
        http="httptools",
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_keep_alive=30,
    )


if __name__ == "__main__":
    main()
