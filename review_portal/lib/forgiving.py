"""Search that forgives how people type: a layer around `search.search()` and
`search.ranked()`, the same on SQLite and PostgreSQL.

1. The query is searched as typed (every word must match).
2. When that finds fewer than FEW results, each word the portal's own
   vocabulary does not hold, and that matches nothing
   through the engine's stemming, is corrected from that vocabulary: joined words
   are split ("careleavers" -> "care leavers"), typos are mended ("leving" ->
   "leaving") by trigram candidates and edit distance, choosing the word most often
   found beside its neighbours. The correction is offered as "Did you mean ...?",
   and its results are shown when the query as typed finds nothing.
3. When every word together still finds (almost) nothing, records with any of the
   words follow, with a note that says so.

The vocabulary is every word of the searched columns (the text the index holds, so
none of our own boilerplate), with how often each word and each pair of adjacent
words occur. It is built in Python from the database and kept in memory until the
data changes: a change to any searched record writes a history row, and the
vocabulary is rebuilt when the newest history row of a searched model is not the
one it was built from (one query per search answers that).

Why Python rather than pg_trgm or FTS5's trigram tokenizer: see the README's
"Search" section for the measurements. In short, one implementation gives the same
suggestions on both databases, and on this portal's vocabulary (about 11,000
words) it is faster than either database's trigram lookup.
"""

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache

from .search import (
    KINDS,
    MAX_TERMS,
    STOP_WORDS,
    SearchResults,
    clean_query,
    search,
)
from .versions import data_version

# An all-words search with fewer results than this is followed by any-word results.
FEW = 3
# Words shorter than this are never corrected (nor are numbers).
MIN_CORRECTED_LENGTH = 4
_WORD = re.compile(r"[^\W_]+")


@dataclass
class Outcome:
    """What a forgiving search found, and what it did to find it."""

    query: str  # as typed (cleaned)
    results: SearchResults
    suggestion: str = ""  # "Did you mean ...?", when a word was corrected
    corrected: bool = False  # the results are the suggestion's: the query found none
    any_word: bool = False  # some results have only some of the words
    all_words_count: int = 0  # results with every word (of the query searched)
    any_word_query: str = ""  # the words, joined by or, when any_word

    @property
    def searched(self):
        return self.suggestion if self.corrected else self.query


class Vocabulary:
    """Words of the searched text, their counts and their neighbours' counts."""

    def __init__(self, texts):
        self.words = Counter()
        self.pairs = Counter()
        for text in texts:
            words = _WORD.findall((text or "").lower())
            self.words.update(words)
            self.pairs.update(zip(words, words[1:], strict=False))
        self.trigrams = defaultdict(set)
        for word in self.words:
            if not word.isdigit():
                for trigram in _trigrams(word):
                    self.trigrams[trigram].add(word)

    def __contains__(self, word):
        return word in self.words

    def candidates(self, word):
        """Vocabulary words within edit distance 1 (2 for words of 6 or more
        letters), found through the trigrams they share with `word`, as pg_trgm
        would, then checked by Damerau-Levenshtein distance."""
        limit = 1 if len(word) < 6 else 2
        seen = set()
        for trigram in _trigrams(word):
            seen |= self.trigrams.get(trigram, set())
        found = []
        for other in seen:
            if abs(len(other) - len(word)) > limit:
                continue
            distance = _distance(word, other, limit)
            if distance <= limit:
                found.append((distance, other))
        return found

    def splits(self, word):
        """Two vocabulary words that, joined, make `word`."""
        return [
            (word[:i], word[i:])
            for i in range(2, len(word) - 1)
            if word[:i] in self.words
            and word[i:] in self.words
            and word[:i] not in STOP_WORDS
            and word[i:] not in STOP_WORDS
        ]

    def correct(self, word, before="", after=""):
        """The best replacement for `word` (one or two words), or "" if none.
        Prefers what the neighbours are most often found beside, then the
        smallest edit, then the commonest word."""

        def context(first, last):
            return self.pairs[(before, first)] + self.pairs[(last, after)]

        options = []
        for distance, other in self.candidates(word):
            options.append((context(other, other), -distance, self.words[other], other))
        for first, last in self.splits(word):
            # A split is one edit (a space) and needs both halves to be common.
            common = min(self.words[first], self.words[last])
            bonus = self.pairs[(first, last)]
            options.append(
                (context(first, last) + bonus, -1, common, f"{first} {last}")
            )
        return max(options)[3] if options else ""


def _trigrams(word):
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def _distance(a, b, limit):
    """Optimal string alignment distance (Damerau-Levenshtein with adjacent
    transpositions), giving up above `limit`."""
    previous2, previous = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(
                previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost
            )
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


@lru_cache(maxsize=1)
def _vocabulary_for(fingerprint):
    texts = []
    for kind in KINDS.values():
        for row in kind.model.objects.order_by().values_list(*kind.columns):
            texts.extend(row)
    return Vocabulary(texts)


def vocabulary():
    return _vocabulary_for(data_version([kind.model for kind in KINDS.values()]))


def suggest(query: str) -> str:
    """The query with each unknown word corrected, or "" if nothing changed.
    Quotes, `or` and minus signs are kept as typed."""
    query = clean_query(query)
    tokens = list(_WORD.finditer(query))
    words = [token[0].lower() for token in tokens]
    unknown = [
        i
        for i, word in enumerate(words)
        if len(word) >= MIN_CORRECTED_LENGTH
        and not word.isdigit()
        and word not in STOP_WORDS
        and word != "or"
    ]
    if not unknown:
        return ""
    vocab = vocabulary()
    unknown = [i for i in unknown if words[i] not in vocab][:MAX_TERMS]
    pieces, position, changed = [], 0, False
    for i in unknown:
        # A word the stemmer matches ("fostered" for "foster") is no typo.
        if len(search(words[i])):
            continue
        before = words[i - 1] if i > 0 else ""
        after = words[i + 1] if i + 1 < len(words) else ""
        replacement = vocab.correct(words[i], before, after)
        if replacement:
            token = tokens[i]
            pieces.append(query[position : token.start()] + replacement)
            position = token.end()
            words[i] = replacement
            changed = True
    if not changed:
        return ""
    return "".join(pieces) + query[position:]


def any_word_query(query: str) -> str:
    """The query's words (not those after a minus, nor stop words) joined by `or`."""
    words = []
    for token in re.finditer(r'(-?)("[^"]*"?|[^\s"]+)', query):
        if token[1]:
            continue
        for word in _WORD.findall(token[2].lower()):
            if word not in STOP_WORDS and word != "or" and word not in words:
                words.append(word)
    return " or ".join(words[:MAX_TERMS])


def forgiving_search(query: str, kinds=None, *, exact=False) -> Outcome:
    """`search()`, forgiving typos, joined words and too many words; `exact`
    searches only as typed (the "Search only for ..." link)."""
    query = clean_query(query)
    results = search(query, kinds)
    outcome = Outcome(query, results, all_words_count=len(results))
    # A query that finds enough as typed costs nothing more: no vocabulary.
    if not query or exact or len(results) >= FEW:
        return outcome
    outcome.suggestion = suggest(query)
    if not results and outcome.suggestion:
        corrected = search(outcome.suggestion, kinds)
        if corrected:
            outcome.results, outcome.corrected = corrected, True
            outcome.all_words_count = len(corrected)
    if outcome.all_words_count < FEW:
        either = any_word_query(outcome.searched)
        if " or " in either:
            outcome.results = _followed_by(outcome.results, search(either, kinds))
            outcome.any_word = len(outcome.results) > outcome.all_words_count
            outcome.any_word_query = either if outcome.any_word else ""
    return outcome


def _followed_by(first: SearchResults, then: SearchResults) -> SearchResults:
    """`first`'s hits, then `then`'s others; snippets mark `then`'s words (a
    superset of `first`'s)."""
    seen = {(hit.kind.key, hit.pk) for hit in first._hits}
    hits = list(first._hits) + [
        hit for hit in then._hits if (hit.kind.key, hit.pk) not in seen
    ]
    return SearchResults(then.query, hits)
