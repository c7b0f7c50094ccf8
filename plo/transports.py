"""How PLO messages travel, behind one small interface: fetch what has come, hand each to
receive(), put the AppRec (and later the portal's own messages) where the other side takes
them, and only then let the message go from the inbox. A crash in between loses nothing:
the message is fetched again, its MsgId finds the first delivery, and the same receipt is
written again under the same name.

FolderTransport (settings.PLO_FOLDER) is the embedded default and what EPJ test
environments use: a system drops a message into inbox/, the portal moves it to
inbox/done/ once answered and writes the receipt to outbox/<the sender's HER-id>/, where
the portal's own messages go too (outbox/<the receiver's HER-id>/). The
health network's message service (its REST API, HelseID) is plo.message_service's."""

import logging
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from .models import PloMessage, Transport
from .services import receive

logger = logging.getLogger(__name__)

# A file this much larger than a message may be is not read at all (and not stored): it is
# moved aside for the operator. Within it, receive() stores it and refuses it (T99).
FILE_LIMIT_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Polled:
    received: int  # messages handed to receive() (a repeat delivery counts)
    set_aside: int  # files too large to read


class FolderTransport:
    name = Transport.FOLDER

    def __init__(self, root: Path | str | None = None):
        self.root = Path(root or settings.PLO_FOLDER)
        self.inbox, self.outbox = self.root / "inbox", self.root / "outbox"
        self.done, self.aside = self.inbox / "done", self.inbox / "too-large"

    def _ready(self) -> None:
        for folder in (self.inbox, self.outbox, self.done, self.aside):
            folder.mkdir(parents=True, exist_ok=True)

    def waiting(self) -> list[Path]:
        """The messages in the inbox, oldest first (a name breaks a tie): files ending in
        .xml, so that a sender writing under another name and renaming is never read half."""
        self._ready()
        files = [p for p in self.inbox.iterdir() if p.is_file() and p.suffix.lower() == ".xml"]
        return sorted(files, key=lambda p: (p.stat().st_mtime_ns, p.name))

    def poll(self, limit: int = 500) -> Polled:
        received = set_aside = 0
        for path in self.waiting()[:limit]:
            try:
                if path.stat().st_size > FILE_LIMIT_BYTES:
                    path.replace(self.aside / path.name)
                    logger.warning("PLO file %s is over %s bytes: set aside, not read",
                                   path.name, FILE_LIMIT_BYTES)
                    set_aside += 1
                    continue
                data = path.read_bytes()
            except FileNotFoundError:
                continue  # another poller took it (and answers it)
            message = receive(data, transport=self.name)
            self.answer(message)
            try:
                path.replace(self.done / f"{message.uuid}-{path.name}")
            except FileNotFoundError:
                pass  # another poller moved it: the MsgId made it the same message
            received += 1
        return Polled(received, set_aside)

    def answer(self, message: PloMessage) -> None:
        """Write the message's AppRec for its sender, under a name of its own (written to a
        temporary name and renamed, so the other side never reads half a receipt)."""
        if message.apprec is None:
            return
        folder = self.outbox / (message.sender_her_id or "unknown")
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"apprec-{message.uuid}.xml"
        temporary = folder / f".{uuid.uuid4().hex}.tmp"
        temporary.write_bytes(bytes(message.apprec))
        os.replace(temporary, target)


    def send(self, message: PloMessage) -> None:
        """Write one of the portal's own messages for its receiver, under its MsgId (a second
        attempt writes the same file again: the receiver sees one)."""
        folder = self.outbox / (message.receiver_her_id or "unknown")
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{message.msg_type.lower()}-{message.msg_id}.xml"
        temporary = folder / f".{uuid.uuid4().hex}.tmp"
        temporary.write_bytes(bytes(message.document))
        os.replace(temporary, target)


def transport():
    """The health network's message service when PLO_MESSAGE_SERVICE_URL is set, else the
    folder."""
    if settings.PLO_MESSAGE_SERVICE_URL:
        from .message_service import MessageServiceTransport  # it builds on this module

        return MessageServiceTransport()
    return FolderTransport()
