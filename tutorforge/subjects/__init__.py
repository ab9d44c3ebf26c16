"""Subject packs: a subject's problem sources, personas, misconceptions and verifier checks, as files.

A pack is a folder with a `subject.toml` (see `manifest`). The built-in subjects (math, physics) are
packs in this package; more come from installed packages (entry points `tutorforge.subjects` and
`tutorforge.personas`), from `TUTORFORGE_PATH` and from `--personas-dir`, in that order of precedence
(`discovery`). `tutorforge.personas.loader.load_registry` loads and activates them all; call
`load_subjects()` to activate the packs without reading personas.
"""

from tutorforge.subjects.discovery import load_subjects
from tutorforge.subjects.pack import SubjectPack, load_pack, read_pack
from tutorforge.subjects.registry import active_packs

__all__ = ["SubjectPack", "active_packs", "load_pack", "load_subjects", "read_pack"]
