"""Speaker names as keys for matching, shared by the readers, the index and the query layer."""

from __future__ import annotations

import re
import unicodedata

NO_SPEAKER = frozenset({"", "?", "-", "unknown", "none", "n/a", "na", "unknown speaker", "unidentified speaker"})
"""What exports write where nobody was named (lower case): no speaker."""
TIER_LEVELS = frozenset({"words", "word", "ort", "ortho", "orthography", "transcript", "transcription", "text",
                         "utterance", "utterances", "sentences", "sentence", "default", "default-tier", "tier", "tier 1",
                         "speech"})
"""Names an annotation tool gives a tier (ELAN, Praat; lower case) that say which level of annotation
it holds, not who speaks on it."""
_HONORIFICS = re.compile(r"^(?:mr|mrs|ms|miss|dr|prof|madam|madame|sir|hon|right hon|the hon)\.?\s+", re.I)


def speaker_key(name: str) -> str:
    """Normalise a name for matching ("Mr. Xin Guobin" ~ "xin guobin"; "Zoë" typed or pasted from
    macOS, its accent a character of its own, ~ "zoë")."""
    return " ".join(_HONORIFICS.sub("", unicodedata.normalize("NFC", name).strip()).lower().split())
