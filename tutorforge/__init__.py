"""tutorforge: synthetic math-tutoring dialogues, verified turn by turn."""

__version__ = "0.1.0"
