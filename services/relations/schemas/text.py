"""Text fields that arrive tidied: one line, single spaces, nothing at the ends."""

from marshmallow import fields


class SingleLine(fields.String):
    """A string with its runs of whitespace (newlines too) collapsed to one space, and trimmed;
    length validators see the tidied text."""

    def _deserialize(self, value, attr, data, **kwargs):
        return " ".join(super()._deserialize(value, attr, data, **kwargs).split())
