"""An example tutorforge plug-in: a persona folder and a subject pack, found through entry points."""

from pathlib import Path

PERSONAS = Path(__file__).parent / "personas"
"""The folder of extra personas (entry point group `tutorforge.personas`)."""
