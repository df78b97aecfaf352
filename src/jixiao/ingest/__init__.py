"""Bytes in: decoding of text dumps and the document readers (``readers/``)."""
