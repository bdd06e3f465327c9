"""Label expansion: the offline vocabulary, and an OpenAI-compatible endpoint over real HTTP
(a local server that answers like one), with clear errors."""
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from finephys.captions.endpoint import ChatEndpoint, EndpointError
from finephys.captions.expand import expand_label


def test_offline_expansion_describes_the_body_and_the_turns():
    text = expand_label("switch leap with 0.5 turn")
    assert text.startswith("A gymnast performs a switch leap with 0.5 turn: ")
    assert "switches legs in the air" in text and "a half turn around the long axis" in text
    assert "vertical axis on one foot" not in text  # the turn phrase is not read as the element "turn"
    salto = expand_label("Double salto backward piked")
    assert "rotates twice" in salto and "moving backwards" in salto and "folded at the hips" in salto
    assert expand_label("round-off, flic-flac").count("; then ") == 1
    unknown = expand_label("mystery move")
    assert unknown.startswith("A gymnast performs a mystery move.") and "gymnastics arena" in unknown
    with pytest.raises(ValueError, match="empty"):
        expand_label("   ")


class _Handler(BaseHTTPRequestHandler):
    seen: list = []

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Handler.seen.append((self.path, self.headers.get("Authorization"), body))
        if body["model"] == "broken":
            self.send_response(500)
            self.end_headers()
            self.wfile.write(b"server fell over")
            return
        answer = {"choices": [{"message": {"role": "assistant",
                                           "content": f"  Expanded: {body['messages'][-1]['content']}  "}}]}
        if body["model"] == "odd":
            answer = {"result": "no choices"}
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def chat_server():
    server = HTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def test_endpoint_expansion_over_http(chat_server, monkeypatch):
    monkeypatch.setenv("FP_TEST_KEY", "sk-test")
    text = ChatEndpoint(chat_server, "local-llm", "FP_TEST_KEY").expand("back salto")
    assert text == "Expanded: back salto"
    path, auth, body = _Handler.seen[-1]
    assert path == "/v1/chat/completions" and auth == "Bearer sk-test"
    assert body["model"] == "local-llm" and body["messages"][0]["role"] == "system"
    with pytest.raises(EndpointError, match="HTTP 500"):
        ChatEndpoint(chat_server, "broken").expand("x")
    with pytest.raises(EndpointError, match="not an OpenAI-style chat answer"):
        ChatEndpoint(chat_server, "odd").expand("x")
    with pytest.raises(EndpointError, match="not reachable"):
        ChatEndpoint("http://127.0.0.1:9/v1", "m", timeout_s=2).expand("x")
    with pytest.raises(EndpointError, match="must start with http"):
        ChatEndpoint("file:///etc/passwd", "m").expand("x")
