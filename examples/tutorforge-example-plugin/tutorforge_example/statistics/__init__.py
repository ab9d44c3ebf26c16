"""A small statistics subject as a tutorforge subject pack: this folder, with its subject.toml."""

from pathlib import Path

PACK = Path(__file__).parent
"""The pack folder (entry point group `tutorforge.subjects`)."""
