"""Just enough of the protobuf wire format to read Anki's small config messages."""

from __future__ import annotations

from app.core.errors import BadInputError

Fields = dict[int, list[int | bytes]]


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise BadInputError("damaged protobuf data (truncated number)")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def parse(data: bytes) -> Fields:
    """Field number -> values (ints for varints and fixed numbers, bytes for the rest)."""
    out: Fields = {}
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        value: int | bytes
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 2:
            length, pos = _varint(data, pos)
            if pos + length > len(data):
                raise BadInputError("damaged protobuf data (field runs past the end)")
            value, pos = data[pos : pos + length], pos + length
        elif wire == 1:
            value, pos = int.from_bytes(data[pos : pos + 8], "little"), pos + 8
        elif wire == 5:
            value, pos = int.from_bytes(data[pos : pos + 4], "little"), pos + 4
        else:
            raise BadInputError(f"damaged protobuf data (wire type {wire})")
        out.setdefault(number, []).append(value)
    return out


def text(fields: Fields, number: int, default: str = "") -> str:
    values = fields.get(number)
    if not values or not isinstance(values[0], bytes):
        return default
    return values[0].decode("utf-8", errors="replace")


def number(fields: Fields, number: int, default: int = 0) -> int:
    values = fields.get(number)
    return values[0] if values and isinstance(values[0], int) else default


def messages(fields: Fields, number: int) -> list[bytes]:
    return [v for v in fields.get(number, []) if isinstance(v, bytes)]
