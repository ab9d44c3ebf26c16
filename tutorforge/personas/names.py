"""Display names for students, drawn per dialogue apart from the persona, so a name never hints at the
misconception a student holds."""

from __future__ import annotations

import random

STUDENT_NAMES: tuple[str, ...] = (
    "Aarav", "Abena", "Ada", "Ahmed", "Aiko", "Alejandro", "Amara", "Ana", "Anya", "Arjun",
    "Ben", "Bilal", "Camila", "Chen", "Chloe", "Dani", "Dmitri", "Elena", "Eli", "Emeka",
    "Fatima", "Finn", "Gabriel", "Grace", "Hana", "Hugo", "Ibrahim", "Ines", "Isla", "Jae",
    "Jamal", "Jonas", "Kai", "Keira", "Kofi", "Lara", "Leo", "Lina", "Luca", "Maya",
    "Mateo", "Mei", "Mia", "Nadia", "Naledi", "Noah", "Omar", "Owen", "Priya", "Rafael",
    "Ravi", "Rosa", "Sami", "Sofia", "Tariq", "Tomás", "Uma", "Yara", "Yusuf", "Zoe",
)  # fmt: skip


def student_name(rng: random.Random) -> str:
    """One name from the pool."""
    return STUDENT_NAMES[rng.randrange(len(STUDENT_NAMES))]
