"""A real OpenAI-compatible `/chat/completions` server on loopback for the tests of the
optional rewrite endpoint: `answer(body)` gives the assistant message for each request."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer


@contextmanager
def chat_endpoint(answer: Callable[[dict], str], received: list[dict] | None = None
                  ) -> Iterator[str]:
    """Serves until the block ends; yields the base URL (…/v1). Each request's path, body
    and Authorization header are appended to `received`."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # the http.server API names it
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if received is not None:
                received.append({"path": self.path, "body": body,
                                 "auth": self.headers.get("Authorization")})
            payload = json.dumps({"choices": [{"message": {
                "role": "assistant", "content": answer(body)}}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/v1"
    finally:
        server.shutdown()
        server.server_close()
