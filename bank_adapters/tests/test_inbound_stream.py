"""Every envelope test again through the file path (``stream_envelope.open_envelope_file``),
checked against the bytes API (``envelope.open_envelope``): the one opener gives the same
content, signer and refusal code whichever way it is fed, and leaves no file on a refusal."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from bank_adapters import envelope, stream_envelope
from bank_adapters.tests import test_envelope as bytes_api
from bank_adapters.tests.test_envelope import *  # noqa: F403  (every envelope test, streamed)

_open_bytes = envelope.open_envelope


def _open_streaming(data: bytes, **kw) -> envelope.Opened:
    """``open_envelope`` through the streaming path, and checked against the bytes path."""
    with tempfile.TemporaryDirectory() as tmp:
        src, dest = Path(tmp, "in.p7m"), Path(tmp, "out")
        src.write_bytes(bytes(data))
        try:
            expected = _open_bytes(data, **kw)
        except envelope.EnvelopeError as exc:
            with pytest.raises(envelope.EnvelopeError) as info:
                stream_envelope.open_envelope_file(src, dest, **kw)
            assert info.value.code == exc.code, (info.value, exc)
            assert not dest.exists()
            raise info.value from None
        got = stream_envelope.open_envelope_file(src, dest, **kw)
        assert got.path.read_bytes() == expected.plaintext
        assert got.size == len(expected.plaintext)
        assert (got.signer_cert, got.signing_time) == (expected.signer_cert, expected.signing_time)
        return envelope.Opened(got.path.read_bytes(), got.signer_cert, got.signing_time)


@pytest.fixture(autouse=True)
def _streamed(monkeypatch):
    monkeypatch.setattr(bytes_api.envelope, "open_envelope", _open_streaming)
