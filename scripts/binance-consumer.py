#!/usr/bin/env python3
"""A market-data consumer written the way python-binance's users write one, pointed at a local
Binance-compatible server (`stream-collector simulate` or `stream-collector replay --serve`)
instead of fstream.binance.com: nothing in it knows about stream-collector.

    binance-consumer.py --url ws://127.0.0.1:9500/ --stream '!assetIndex@arr' --stream btcusd@assetIndex
                        [--category market|public|private] [--until-each N] [--seconds S]

It opens python-binance's USDⓈ-M futures multiplex socket (category "market" unless told, so
<url>market/stream?streams=a/b) and prints every message it delivers, one JSON object per line.
It ends when the server closes the connection (python-binance reports ConnectionClosedOK), when
every stream has delivered --until-each messages, or after --seconds; the last line is a summary
{"end": "closed" | "enough" | "timeout" | "<error type>", "messages": n}. Exit status 0 unless an
error other than the server's close ended it.
"""
import argparse
import asyncio
import collections
import json
import sys

try:
    from binance import AsyncClient, BinanceSocketManager
except ImportError:
    sys.exit("binance-consumer: the python-binance package is missing: python3 -m pip install python-binance")


async def consume(url, streams, category, until_each, seconds):
    client = AsyncClient()  # no keys; unlike AsyncClient.create(), makes no request
    manager = BinanceSocketManager(client, max_queue_size=1_000_000)
    manager.FSTREAM_URL = url if url.endswith("/") else url + "/"
    counts = collections.Counter()
    messages = 0
    end = "timeout"
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    try:
        socket = manager.futures_multiplex_socket(streams, category=category)
        # python-binance reconnects when the server closes, and a replay server starts the replay
        # again on the new connection: to end at the close, allow it no reconnect.
        socket.MAX_RECONNECTS = 0
        async with socket:
            while True:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                try:
                    message = await asyncio.wait_for(socket.recv(), timeout=remaining)
                except asyncio.TimeoutError:
                    break
                if message.get("e") == "error":
                    end = "closed" if message.get("type") == "ConnectionClosedOK" else message.get("type", "error")
                    break
                print(json.dumps(message, separators=(",", ":")), flush=False)
                messages += 1
                counts[message.get("stream")] += 1
                if until_each and all(counts[stream] >= until_each for stream in streams):
                    end = "enough"
                    break
    finally:
        await client.close_connection()
    print(json.dumps({"end": end, "messages": messages}), flush=True)
    return 0 if end in ("closed", "enough", "timeout") else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the server's base URL, e.g. ws://127.0.0.1:9500/")
    parser.add_argument("--stream", action="append", required=True, help="a stream to subscribe (repeat)")
    parser.add_argument("--category", default="market", choices=["market", "public", "private"],
                        help="Binance's URL route (default market, where the asset index and contract info are)")
    parser.add_argument("--until-each", type=int, default=0, help="stop once every stream delivered this many messages")
    parser.add_argument("--seconds", type=float, default=60, help="give up after this long (default 60)")
    arguments = parser.parse_args()
    return asyncio.run(consume(arguments.url, arguments.stream, arguments.category, arguments.until_each, arguments.seconds))


if __name__ == "__main__":
    sys.exit(main())
