"""Logging for the language server: to stderr always, and to the client (``window/logMessage``) once connected.

stdout carries the protocol, so nothing is ever written there. Every message passes through a redaction
filter so that credentials in index URLs never reach a log. pygls logs every message it sends at INFO; its
loggers are kept at WARNING, and only Pinwise's own records are forwarded to the client, so that forwarding
a record can never produce another record to forward.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

# The index package's one redaction rule; its module imports only the standard library, so it is cheap.
from pinwise.core.index.auth import redact_text

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactingFilter(logging.Filter):
    """Renders the record's message once, without credentials, so no handler sees them."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            message = str(record.msg)
        record.msg = redact_text(message)
        record.args = None
        return True


# (level, message) -> None; set by the server once the client is connected.
ClientSink = Callable[[int, str], None]


class ClientLogHandler(logging.Handler):
    """Forwards Pinwise's records to the client as ``window/logMessage`` notifications."""

    def __init__(self, level: int = logging.INFO) -> None:
        super().__init__(level)
        self.sink: ClientSink | None = None
        self._sending = False
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if self.sink is None or self._sending or not record.name.startswith("pinwise"):
            return
        # A failure while sending is logged by the sender; this guard stops that log from looping back.
        self._sending = True
        try:
            self.sink(record.levelno, self.format(record))
        except Exception:
            self.handleError(record)
        finally:
            self._sending = False


def setup_logging(level: str | int = "INFO") -> ClientLogHandler:
    """Configure the root logger for the server process and return the handler that talks to the client."""
    numeric = logging.getLevelName(level) if isinstance(level, str) else level
    if not isinstance(numeric, int):
        numeric = logging.INFO
    root = logging.getLogger()
    root.setLevel(numeric)
    redacting = RedactingFilter()
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setFormatter(logging.Formatter(_FORMAT))
    stderr.addFilter(redacting)
    client = ClientLogHandler(numeric)
    client.addFilter(redacting)
    root.handlers = [stderr, client]
    # pygls logs every message body at INFO (document texts included); keep that out unless debugging.
    logging.getLogger("pygls").setLevel(logging.DEBUG if numeric <= logging.DEBUG else logging.WARNING)
    return client
