"""Document names and ASCII folding."""
from __future__ import annotations

import re
import unicodedata

from .models import Crc

CLIENT_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")
_SPECIAL = str.maketrans({"ß": "ss", "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "Ø": "O", "ø": "o",
                          "Đ": "D", "đ": "d", "Ł": "L", "ł": "l", "Þ": "Th", "þ": "th"})


def fold_ascii(text: str) -> str:
    """Fold accents and ligatures to plain ASCII, dropping what has no ASCII form."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    return decomposed.encode("ascii", "ignore").decode("ascii")


def client_part(client: str) -> str:
    """`Société Générale` → `SocieteGenerale`, `l'oréal` → `LOreal`."""
    words = re.split(r"[^A-Za-z0-9]+", fold_ascii(client))
    return "".join(w[0].upper() + w[1:] for w in words if w)


def valid_client_code(code: str) -> bool:
    """Whether a client_code may stand in a document name as it is."""
    return CLIENT_CODE.fullmatch(code) is not None


def document_name(crc: Crc) -> str:
    """`CRC-<date>-<Client>-v<version>`."""
    client = crc.client_code if crc.client_code else client_part(crc.client)
    return f"CRC-{crc.date.isoformat()}-{client or 'Client'}-v{crc.version}"


def slug(text: str) -> str:
    """A lowercase ASCII slug for file and page names."""
    return re.sub(r"[^a-z0-9]+", "-", fold_ascii(text).lower()).strip("-") or "x"


def safe_rel(rel: str) -> bool:
    """Whether rel is a "/"-separated output path that stays inside the output folder."""
    parts = rel.split("/")
    return bool(rel) and not rel.startswith("/") and "\\" not in rel and "\0" not in rel \
        and not any(part in ("", ".", "..") for part in parts)
