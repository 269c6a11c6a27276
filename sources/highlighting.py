"""Split a source's cleaned text into plain and marked segments, so that the passages
other records quote from it can be highlighted and linked to by their slug."""

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise


@dataclass(frozen=True)
class Segment:
    text: str
    is_marked: bool = False
    anchor: str = ""  # the slug of the passage that starts here, if any


def highlight(text: str, passages: Iterable[tuple[str, str]]) -> list[Segment]:
    """Mark the first occurrence in `text` of each (slug, words) passage.

    Overlapping passages merge into one marked run; each passage's anchor is placed where
    its words begin. Passages not found (or empty) are left out: the caller can tell
    which slugs were placed from the segments' anchors."""
    spans = []  # (start, end, slug)
    used = set()
    for slug, words in passages:
        start = text.find(words) if words else -1
        if start == -1 or slug in used:
            continue
        used.add(slug)
        spans.append((start, start + len(words), slug))
    spans.sort()

    cuts = sorted({0, len(text)} | {s for s, _, _ in spans} | {e for _, e, _ in spans})
    segments = []
    for start, end in pairwise(cuts):
        anchors = [slug for s, _, slug in spans if s == start]
        # More than one passage can begin at the same character: all but the last get
        # an empty mark, so that every slug is still an id on the page.
        segments.extend(
            Segment("", is_marked=True, anchor=slug) for slug in anchors[:-1]
        )
        is_marked = any(s <= start and end <= e for s, e, _ in spans)
        segments.append(
            Segment(text[start:end], is_marked, anchors[-1] if anchors else "")
        )
    return segments
