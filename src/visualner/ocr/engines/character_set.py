"""Which characters a recogniser may output for a project's languages.

The shipped PP-OCRv6 recognisers read Latin script and Chinese (and Japanese) in one model,
so on an English form a smudge can come out as an accented letter, a CJK character or a
full-width colon. Restricting the CTC decoding to the characters of the project's languages
turns those into the best-scoring allowed character instead: the recogniser behaves like a
Latin-only model without another model file. A CJK character in a line also makes rapidocr
box that line character by character, which the restriction avoids too.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

#: Printable ASCII plus the symbols forms print (check boxes, degrees, currency, dashes).
ENGLISH = frozenset(chr(code) for code in range(32, 127)) | frozenset("☐☑☒°±–—€£¢§×")
#: Latin-1 and Latin Extended-A/B letters, for the other Latin-script languages.
LATIN = ENGLISH | frozenset(chr(code) for code in range(0xC0, 0x250)) | frozenset("«»„“”‘’¿¡ß")
#: Languages whose script the restriction would cut off: no restriction then.
UNRESTRICTED_LANGUAGES = frozenset({"chi_sim", "chi_tra", "jpn"})


def allowed_characters(languages: Sequence[str]) -> frozenset[str] | None:
    """The characters to decode for these tesseract-style codes; ``None`` = all of them."""
    if any(code in UNRESTRICTED_LANGUAGES for code in languages):
        return None
    return ENGLISH if set(languages) <= {"eng"} else LATIN


def restrict_decoder(decoder: Any, allowed: frozenset[str]) -> Callable[..., Any]:
    """A CTC decoder (rapidocr's ``CTCLabelDecode``) that only picks ``allowed`` characters.

    The network's outputs for the other labels are left out before the arg-max, so each frame
    takes its best allowed label (or the blank, label 0) and that label's probability. The
    copy decodes the few kept columns, not the recogniser's ~18,000 labels.
    """
    keep = [i for i, char in enumerate(decoder.character) if i == 0 or char in allowed]
    restricted = copy.copy(decoder)
    restricted.character = [decoder.character[i] for i in keep]
    restricted.dict = {char: i for i, char in enumerate(restricted.character)}
    columns = np.array(keep)

    def decode(preds: np.ndarray, *args: Any, **kwargs: Any) -> Any:
        return restricted(preds[..., columns], *args, **kwargs)

    return decode
