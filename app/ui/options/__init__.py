"""Deck options and preferences dialogs."""
