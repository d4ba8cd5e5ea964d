#!/usr/bin/env python3
"""The Python peer of scripts/bench: a collector as one would write it with websockets + orjson.

Connects to URL, decodes every !assetIndex@arr frame, writes one NDJSON record per event with the
same readable field names as stream-collector (type, stream, recvTime, eventTime, symbol, index,
...), appending to OUTPUT, until SIGTERM; then flushes and exits 0.

usage: bench-peer.py URL OUTPUT [CA_FILE]
"""
import asyncio
import datetime
import signal
import ssl
import sys

import orjson
import websockets

FIELDS = (("s", "symbol"), ("i", "index"), ("b", "bidBuffer"), ("a", "askBuffer"), ("B", "bidRate"),
          ("A", "askRate"), ("q", "autoExchangeBidBuffer"), ("g", "autoExchangeAskBuffer"),
          ("Q", "autoExchangeBidRate"), ("G", "autoExchangeAskRate"))


def records(message: bytes, received: str):
    frame = orjson.loads(message)
    stream = frame.get("stream", "!assetIndex@arr")
    data = frame.get("data", frame)
    for event in data if isinstance(data, list) else [data]:
        record = {"type": event["e"], "stream": stream, "recvTime": received, "eventTime": event["E"]}
        for wire, name in FIELDS:
            if wire in event:
                record[name] = event[wire]
        yield orjson.dumps(record) + b"\n"


stopping = False


def stop(_signal, _frame) -> None:
    # A Python-level handler runs between bytecodes, even while messages keep arriving.
    global stopping
    stopping = True


async def collect(url: str, output, context) -> None:
    # close_timeout: do not wait the default 10 s for a flood server to answer the close.
    async with websockets.connect(url, max_size=None, compression=None, ssl=context, close_timeout=1) as connection:
        async for message in connection:
            received = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            output.write(b"".join(records(message if isinstance(message, bytes) else message.encode(), received)))
            if stopping:
                return


def main() -> int:
    url, path = sys.argv[1], sys.argv[2]
    context = ssl.create_default_context(cafile=sys.argv[3]) if len(sys.argv) > 3 else None
    signal.signal(signal.SIGTERM, stop)
    with open(path, "ab", buffering=1 << 20) as output:
        asyncio.run(collect(url, output, context))
    return 0


if __name__ == "__main__":
    sys.exit(main())
