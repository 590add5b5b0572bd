"""Cirrus: offline Markdown flashcards scheduled with FSRS."""

__version__ = "0.1.0"
