import hashlib
import socket
from importlib import resources

import pytest

from bot.llm import tokens

pytestmark = pytest.mark.without_index


def test_encoding_is_the_bundled_cl100k_and_needs_no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    tokens.encoding.cache_clear()
    assert tokens.count_tokens("hello world") == 2
    # the same ids as OpenAI's published cl100k_base for this string
    assert tokens.encoding().encode("tiktoken is great!") == [83, 1609, 5963, 374, 2294, 0]
    bundled = resources.files("tiktoken_ext").joinpath("data/cl100k_base.tiktoken").read_bytes()
    assert hashlib.sha256(bundled).hexdigest() == "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"


@pytest.mark.parametrize("limit", [1, 5, 50])
def test_truncate_respects_the_limit(limit):
    text = "word " * 100
    cut, was_cut = tokens.truncate_tokens(text, limit)
    assert was_cut and tokens.count_tokens(cut) <= limit
    assert tokens.truncate_tokens("short", limit) == ("short", False)
