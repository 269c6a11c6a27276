"""Full-text search across the models that declare `searchable` (recommendations,
responses, sources and organisations), with the same results on both databases:

- PostgreSQL: a stored `search_vector` column on each searched table (the title
  columns weighted A, the body C), kept current by a trigger on every insert and
  update and GIN-indexed (`install_postgresql_index()`, migration sources/0017). The
  same vector is matched against `websearch_to_tsquery` and ranked by `ts_rank`, so
  no statement recomputes `to_tsvector` for any row; `ts_headline` highlights.
- SQLite: one FTS5 table, `sources_search` (porter stemmer, kept in step by
  triggers that `install_sqlite_index()` writes), ranked by `bm25()` and
  highlighted by `snippet()`. The embedded database is what a newcomer sees
  first, so it stems words as PostgreSQL does.

Both accept the same query syntax: words, "quoted phrases", `or`, and `-word` to
exclude, and no query string can cause an error. `search()` finds records of every
kind; `ranked()` filters and orders one model's queryset (the list's `q` filter).
"""

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

from django import forms
from django.apps import apps
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorField,
)
from django.db import connections
from django.db.models import (
    Count,
    Expression,
    F,
    FloatField,
    Model,
    QuerySet,
    TextField,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

CONFIG = "english"
# The FTS5 table. Its rowid is the record's pk * ROWID_STRIDE + the
# kind's code, so that one table (one set of bm25 statistics, comparable ranks) holds
# every kind and triggers find a record's row by rowid.
SEARCH_TABLE = "sources_search"
# PostgreSQL: each searched table's stored tsvector column (no model field: it is
# the database's own, written by a trigger).
VECTOR_COLUMN = "search_vector"
ROWID_STRIDE = 4
# Longer queries are cut: nobody types more, and it bounds the work a query can ask for.
MAX_QUERY_LENGTH = 200
MAX_TERMS = 32
# Private-use characters that mark matches in snippets. They are swapped for <mark>
# only after the whole snippet is escaped, so a document's own "<" stays text.
START, STOP = "\ue000", "\ue001"
ELLIPSIS = "…"


@dataclass(frozen=True)
class Searchable:
    """How a model is searched: declared beside its fields, as `searchable`."""

    key: str  # the search page's kind filter, e.g. "response"
    code: int  # see ROWID_STRIDE; fixed once a model's rows are indexed
    label: str
    label_plural: str
    # Matched through the GIN index, so in the order of the index's expression.
    columns: tuple[str, ...]
    # Ranked above the body (PostgreSQL weight A, a bigger bm25 weight in FTS5).
    title_columns: tuple[str, ...]
    # Ranked lower; the snippet comes from these.
    body_columns: tuple[str, ...]
    related: tuple[str, ...] = ()  # what str() of a record needs
    # Multiplies the rank in search(), so that, say, a recommendation outranks a
    # source that quotes its title.
    weight: float = 1.0
    # A method of the model's QuerySet that the results page's records go
    # through, e.g. to annotate what a result's card shows.
    fetch: str = ""
    model: type[Model] | None = None


class _Kinds(Mapping):
    """{key: Searchable, with its model} of every installed model that declares
    `searchable`, in code order. Read once the app registry is ready."""

    @cached_property
    def _kinds(self):
        declared = [
            replace(model.searchable, model=model)
            for model in apps.get_models()
            if isinstance(getattr(model, "searchable", None), Searchable)
        ]
        return {kind.key: kind for kind in sorted(declared, key=lambda k: k.code)}

    def __getitem__(self, key):
        return self._kinds[key]

    def __iter__(self):
        return iter(self._kinds)

    def __len__(self):
        return len(self._kinds)

    def of_model(self, model):
        return next(kind for kind in self._kinds.values() if kind.model is model)


KINDS = _Kinds()


def _kind_choices():
    return [("", "All")] + [(k.key, k.label_plural) for k in KINDS.values()]


class SearchForm(forms.Form):
    q = forms.CharField(required=False, label="Search")
    kind = forms.ChoiceField(
        required=False,
        choices=_kind_choices,
    )


@dataclass
class Hit:
    kind: Searchable
    pk: int
    rank: float
    object: Model | None = None
    snippet: SafeString = field(default_factory=SafeString)

    @property
    def title(self):
        return str(self.object)

    @property
    def url(self):
        return self.object.get_absolute_url()


class SearchResults(Sequence):
    """Hits, best first, already found (`forgiving_search()`'s any-word results
    following the all-words ones). Cheap to count and slice: a slice (a page)
    fetches its records and snippets then, with one query per kind on it."""

    def __init__(self, query: str, hits: list[Hit], counts: Counter | None = None):
        self.query = query
        self._hits = hits
        self.counts = (
            counts if counts is not None else Counter(h.kind.key for h in hits)
        )

    def __len__(self):
        return len(self._hits)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return _fetch(self.query, self._hits[index])
        return _fetch(self.query, [self._hits[index]])[0]

    def of_kind(self, key: str) -> "SearchResults":
        """The hits of one kind; `counts` still counts every kind."""
        hits = [hit for hit in self._hits if hit.kind.key == key]
        return SearchResults(self.query, hits, self.counts)

    @property
    def kind_counts(self) -> list[tuple[Searchable, int]]:
        return [(k, self.counts[k.key]) for k in KINDS.values() if self.counts[k.key]]


class Matches(SearchResults):
    """Every record of the given kinds matching `query`, best first, left in the
    database: counted by one COUNT query, and a slice ranked and cut there (each
    kind's best up to the slice's end, merged), so that a page costs what it
    shows, not the hundreds of thousands of matches a common word has."""

    def __init__(self, query: str, keys: list[str], counted_by=None):
        self.query = query
        self.keys = keys
        self._counted_by = counted_by

    @cached_property
    def counts(self) -> Counter:
        """Matches of each kind; of every kind searched, also for `of_kind()`."""
        if self._counted_by is not None:
            return self._counted_by.counts
        rows = [
            ranked(KINDS[key].model.objects.all(), self.query)
            .order_by()
            .values(searched_kind=Value(key))
            .annotate(matches=Count("pk"))
            .values_list("searched_kind", "matches")
            for key in self.keys
        ]
        union = rows[0].union(*rows[1:], all=True) if len(rows) > 1 else rows[0]
        return Counter(dict(union))

    def __len__(self):
        return sum(self.counts[key] for key in self.keys)

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            return _fetch(self.query, self._best(stop)[start:stop:step])
        return self[index : index + 1 or None][0]

    @cached_property
    def _hits(self):
        return self._best(None)

    def _best(self, limit: int | None) -> list[Hit]:
        """The best `limit` hits (all if None) of the kinds searched: one statement,
        each kind's best `limit` in its own (ranked) order, merged. By hand because
        Django cannot UNION sliced querysets on SQLite."""
        if limit == 0:
            return []
        parts, params = [], []
        for key in self.keys:
            rows = ranked(KINDS[key].model.objects.all(), self.query).values_list(
                Value(key), "pk", "search_rank"
            )[:limit]
            if rows.query.is_empty():  # nothing FTS5 can search for
                continue
            sql, part_params = rows.query.sql_with_params()
            parts.append(f"SELECT * FROM ({sql}) AS best_{key}")
            params.extend(part_params)
        if not parts:
            return []
        with connections[rows.db].cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            hits = [
                Hit(KINDS[key], pk, rank * KINDS[key].weight)
                for key, pk, rank in cursor.fetchall()
            ]
        # Ties (common in FTS5 for words found in most records) keep a stable order.
        hits.sort(key=lambda hit: (-hit.rank, hit.kind.code, hit.pk))
        return hits if limit is None else hits[:limit]

    def of_kind(self, key: str) -> "SearchResults":
        """The matches of one kind; `counts` still counts every kind."""
        return Matches(self.query, [key], counted_by=self)


def search(query: str, kinds=None) -> SearchResults:
    """Records of the given kinds (keys of KINDS; all by default) matching `query`.

    Nothing is run until the results are counted or sliced: see `Matches`."""
    query = clean_query(query)
    keys = list(KINDS) if kinds is None else list(kinds)
    if not _has_terms(query) or not keys:
        return SearchResults(query, [])
    return Matches(query, keys)


def ranked(queryset: QuerySet, query: str) -> QuerySet:
    """`queryset` narrowed to records matching `query`, best first, each annotated
    with `search_rank` (higher is better). Its model must be one of KINDS."""
    kind = KINDS.of_model(queryset.model)
    vendor = connections[queryset.db].vendor
    query = clean_query(query)
    if _has_terms(query):
        if vendor == "postgresql":
            return _ranked_postgresql(queryset, query, kind)
        if vendor == "sqlite":
            match = fts5_query(query)
            if match:
                return _ranked_sqlite(queryset, match, kind)
        else:
            raise NotImplementedError(f"Search does not support {vendor}.")
    return queryset.annotate(search_rank=Value(0.0)).none()


class StoredVector(Expression):
    """The row's stored search vector (PostgreSQL), named through the alias its
    table has in the statement being compiled, so that it also works when the
    queryset is a subquery (a facet counts over the search's results)."""

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        table = next(iter(compiler.query.alias_map))
        column = connection.ops.quote_name(VECTOR_COLUMN)
        return f"{compiler.quote_name_unless_alias(table)}.{column}", []


def _ranked_postgresql(queryset, query, kind):
    search_query = _pg_query(query)
    return (
        queryset.alias(search_vector=StoredVector())
        .filter(search_vector=search_query)
        .annotate(
            search_rank=SearchRank(
                StoredVector(),
                search_query,
                # Divide by 1 + log(length), so long sources do not win by size.
                normalization=1,
            )
        )
        .order_by("-search_rank", "pk")
    )


def _ranked_sqlite(queryset, match, kind):
    return (
        queryset.filter(
            pk__in=RawSQL(
                f"SELECT {SEARCH_TABLE}.rowid / {ROWID_STRIDE} FROM {SEARCH_TABLE}"
                f" WHERE {SEARCH_TABLE} MATCH %s"
                f" AND {SEARCH_TABLE}.rowid %% {ROWID_STRIDE} = {kind.code}",
                [match],
            )
        )
        .annotate(
            # bm25() is lower for better matches. Weights: title, body.
            search_rank=Fts5Function(
                f"-bm25({SEARCH_TABLE}, 5.0, 1.0)",
                [],
                match,
                kind,
                FloatField(),
                every_match=True,
            )
        )
        .order_by("-search_rank", "pk")
    )


def clean_query(query: str) -> str:
    # PostgreSQL rejects NUL in strings; nothing else needs removing.
    return (query or "").replace("\x00", "")[:MAX_QUERY_LENGTH].strip()


def _has_terms(query: str) -> bool:
    return bool(re.search(r"\w", query))


def _pg_query(query: str) -> SearchQuery:
    return SearchQuery(query, search_type="websearch", config=CONFIG)


# PostgreSQL's english configuration drops these; dropping them here too keeps the
# two engines alike ("carers and families" need not contain "and").
STOP_WORDS = frozenset(
    "a an and are as at be but by for from if in into is it its no not of on or "
    "so such that the their then there these they this to was were will with".split()
)
_QUERY_TOKEN = re.compile(r'(?P<minus>-?)(?:"(?P<phrase>[^"]*)"?|(?P<word>[^\s"]+))')


def fts5_query(query: str) -> str:
    """The FTS5 equivalent of websearch_to_tsquery: words are ANDed, "quoted
    phrases" kept together, `or` separates alternatives and `-word` excludes.

    Only runs of word characters reach FTS5, each wrapped in double quotes as a
    string, so nothing the user types is read as FTS5 syntax (operators, column
    filters, NEAR, `*`, parentheses). Returns "" when nothing is left to search."""
    groups = [([], [])]  # (included, excluded) phrases per alternative
    terms = 0
    for token in _QUERY_TOKEN.finditer(query):
        text = token["phrase"] if token["phrase"] is not None else token["word"]
        if token["word"] and not token["minus"] and token["word"].lower() == "or":
            groups.append(([], []))
            continue
        words = re.findall(r"\w+", text)
        if token["word"] is not None:
            words = [w for w in words if w.lower() not in STOP_WORDS]
        if not words or terms >= MAX_TERMS:
            continue
        terms += 1
        # \w never matches '"', so the string literal cannot be closed early.
        phrase = '"' + " ".join(words) + '"'
        groups[-1][1 if token["minus"] else 0].append(phrase)
    # FTS5, unlike PostgreSQL, cannot match "everything but": alternatives with
    # nothing to include are dropped.
    return " OR ".join(
        "(" + " ".join(included + [f"NOT {phrase}" for phrase in excluded]) + ")"
        for included, excluded in groups
        if included
    )


class Fts5Function(Expression):
    """An FTS5 auxiliary function (bm25(), snippet()) evaluated on the outer row's
    entry in the search table, as a correlated subquery.

    `every_match` (a rank, which a sort needs for every matching row): the function
    is computed once for all of the kind's matches, in one MATERIALIZED common
    table expression that SQLite evaluates once per statement, and each row looks
    its value up there. Otherwise each row runs the full-text query again: fine for
    a page's snippets, quadratic for the ranks of thousands of matches (422 s for
    one text-search list at 100,000 recommendations)."""

    def __init__(self, function, params, match, kind, output_field, every_match=False):
        super().__init__(output_field=output_field)
        self.function, self.params, self.match, self.kind = (
            function,
            params,
            match,
            kind,
        )
        self.every_match = every_match
        self.pk = F("pk")

    def get_source_expressions(self):
        return [self.pk]

    def set_source_expressions(self, exprs):
        (self.pk,) = exprs

    def as_sql(self, compiler, connection):
        pk_sql, pk_params = compiler.compile(self.pk)
        rowid = f"{pk_sql} * {ROWID_STRIDE} + {self.kind.code}"
        if self.every_match:
            sql = (
                f"(WITH fts_matches AS MATERIALIZED (SELECT rowid, {self.function}"
                f" AS value FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH %s"
                f" AND rowid %% {ROWID_STRIDE} = {self.kind.code})"
                f" SELECT value FROM fts_matches WHERE rowid = {rowid})"
            )
        else:
            sql = (
                f"(SELECT {self.function} FROM {SEARCH_TABLE}"
                f" WHERE {SEARCH_TABLE} MATCH %s AND {SEARCH_TABLE}.rowid = {rowid})"
            )
        return sql, (*self.params, self.match, *pk_params)


def _snippet_expression(kind: Searchable, query: str, vendor: str) -> Expression:
    if vendor == "postgresql":
        body = [F(column) for column in kind.body_columns]
        if len(body) > 1:
            body = [Concat(*_interleave(body, Value("\n")), output_field=TextField())]
        return SearchHeadline(
            body[0],
            _pg_query(query),
            config=CONFIG,
            start_sel=START,
            stop_sel=STOP,
            max_words=30,
            min_words=15,
            max_fragments=2,
            fragment_delimiter=f" {ELLIPSIS} ",
        )
    # Column 1 is the body; at most 24 tokens.
    return Fts5Function(
        f"snippet({SEARCH_TABLE}, 1, %s, %s, %s, 24)",
        [START, STOP, ELLIPSIS],
        fts5_query(query),
        kind,
        TextField(),
    )


def _interleave(items, separator):
    for i, item in enumerate(items):
        if i:
            yield separator
        yield item


def _fetch(query: str, hits: list[Hit]) -> list[Hit]:
    """Fill in each hit's record and snippet: one query per kind among the hits."""
    pks_by_kind = {}
    for hit in hits:
        pks_by_kind.setdefault(hit.kind, []).append(hit.pk)
    found = {}
    for kind, pks in pks_by_kind.items():
        records = kind.model.objects.filter(pk__in=pks)
        if kind.fetch:
            records = getattr(records, kind.fetch)()
        vendor = connections[records.db].vendor
        records = records.select_related(*kind.related).annotate(
            search_snippet=_snippet_expression(kind, query, vendor)
        )
        found.update({(kind.key, record.pk): record for record in records})
    fetched = []
    for hit in hits:
        record = found.get((hit.kind.key, hit.pk))
        if record is None:  # deleted since the search ran
            continue
        snippet = highlight_markers((record.search_snippet or "").strip())
        fetched.append(Hit(hit.kind, hit.pk, hit.rank, record, snippet))
    return fetched


_MARKED = re.compile(f"{START}([^{START}{STOP}]*){STOP}")


def highlight_markers(text: str) -> SafeString:
    """HTML for a snippet: the marked matches in <mark>, everything else escaped.
    Stray markers (a document's own private-use characters) are dropped."""
    pieces, tail, position = [], "", 0
    for match in _MARKED.finditer(text):
        pieces.append((_unmark(text[position : match.start()]), match[1]))
        position = match.end()
    tail = _unmark(text[position:])
    return format_html("{}{}", format_html_join("", "{}<mark>{}</mark>", pieces), tail)


def _unmark(text: str) -> str:
    return text.replace(START, "").replace(STOP, "")


# The SQLite index: one FTS5 table for every kind (one set of bm25 statistics, so
# ranks compare across kinds), and triggers on each searched table that keep it in
# step. Migration sources/0004 installed the first version; this is the live one,
# which sources/apps.py reinstalls after any migrate that dropped a trigger.

_SPACE, _NEWLINE = "' '", "char(10)"


def _joined(row, columns, separator):
    return f" || {separator} || ".join(f"coalesce({row}.{c}, '')" for c in columns)


def _insert(row, kind):
    """INSERT ... SELECT of one row's index entry; `row` is a table, or new."""
    return (
        f"INSERT INTO {SEARCH_TABLE}(rowid, title, body) SELECT "
        f"{row}.id * {ROWID_STRIDE} + {kind.code}, "
        f"{_joined(row, kind.title_columns, _SPACE)}, "
        f"{_joined(row, kind.body_columns, _NEWLINE)}"
    )


def _trigger_names():
    return set(_triggers())


def install_sqlite_index(cursor):
    """Create the FTS5 table and the triggers if missing, and refill the table."""
    try:
        cursor.execute("CREATE VIRTUAL TABLE temp.fts5_probe USING fts5(x)")
        cursor.execute("DROP TABLE temp.fts5_probe")
    except Exception as error:
        raise RuntimeError(
            "Search on SQLite needs its FTS5 extension, which this SQLite was "
            "built without. Use a Python whose sqlite3 has FTS5 (most do), or "
            "PostgreSQL."
        ) from error
    cursor.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {SEARCH_TABLE} USING fts5("
        "title, body, tokenize = 'porter unicode61')"
    )
    cursor.execute(f"DELETE FROM {SEARCH_TABLE}")
    for kind in KINDS.values():
        table = kind.model._meta.db_table
        cursor.execute(_insert(table, kind) + f" FROM {table}")
    for name, sql in _triggers().items():
        cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        cursor.execute(sql)


def _triggers():
    """{name: CREATE TRIGGER statement} of the live declarations."""
    triggers = {}
    for kind in KINDS.values():
        table = kind.model._meta.db_table
        prefix = f"{SEARCH_TABLE}_{kind.model._meta.model_name}"
        insert = _insert("new", kind)
        delete = (
            f"DELETE FROM {SEARCH_TABLE} "
            f"WHERE rowid = old.id * {ROWID_STRIDE} + {kind.code}"
        )
        for event, action in [
            ("insert", insert),
            ("update", f"{delete}; {insert}"),
            ("delete", delete),
        ]:
            triggers[f"{prefix}_{event}"] = (
                f"CREATE TRIGGER {prefix}_{event} AFTER {event.upper()} ON {table} "
                f"BEGIN {action}; END"
            )
    return triggers


def reinstall_search_index_if_needed(using="default"):
    """Bring the search index in step with the live declarations after a migrate.

    SQLite remakes a table for most schema changes, which drops its triggers:
    reinstall the FTS5 index if its table exists but a trigger is gone or was
    written for other columns. PostgreSQL: rewrite the stored vectors if a
    trigger function was written for other columns (a model's `searchable`
    changed). A no-op when all is in step, and before the index's migration."""
    vendor = connections[using].vendor
    if vendor == "postgresql":
        _reinstall_postgresql_index_if_needed(using)
        return
    if vendor != "sqlite":
        return
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name LIKE %s",
            [f"{SEARCH_TABLE}%"],
        )
        found = {(kind, name): sql for kind, name, sql in cursor.fetchall()}
        if ("table", SEARCH_TABLE) not in found:
            return
        # A trigger gone, or written for other columns (a model's `searchable`
        # changed): rebuild the index from the live declarations.
        if any(
            found.get(("trigger", name)) != sql for name, sql in _triggers().items()
        ):
            install_sqlite_index(cursor)


# The PostgreSQL index: a stored, weighted tsvector column per searched table, a
# BEFORE INSERT OR UPDATE trigger that computes it from the row, and a GIN index.
# A trigger rather than a generated column, so that altering a searched column in
# a later migration needs nothing from here.


def _vector_sql(row, kind):
    """The weighted tsvector of `row` (a table, or NEW in a trigger)."""

    def part(columns, weight):
        joined = ", ".join(f"{row}.{column}" for column in columns)
        return (
            f"setweight(to_tsvector('{CONFIG}', concat_ws(' ', {joined})), '{weight}')"
        )

    return f"{part(kind.title_columns, 'A')} || {part(kind.body_columns, 'C')}"


def _pg_function(kind):
    """(name, body) of the trigger function of a kind's table."""
    name = f"{kind.model._meta.db_table}_{VECTOR_COLUMN}"
    body = f" BEGIN NEW.{VECTOR_COLUMN} := {_vector_sql('NEW', kind)}; RETURN NEW; END "
    return name, body


def install_postgresql_index(cursor):
    """Add each searched table's stored vector, trigger and GIN index if missing,
    and compute every row's vector."""
    for kind in KINDS.values():
        table = kind.model._meta.db_table
        function, body = _pg_function(kind)
        cursor.execute(
            f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {VECTOR_COLUMN} tsvector"
        )
        cursor.execute(
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger "
            f"LANGUAGE plpgsql AS $${body}$$"
        )
        cursor.execute(f"DROP TRIGGER IF EXISTS {function} ON {table}")
        cursor.execute(
            f"CREATE TRIGGER {function} BEFORE INSERT OR UPDATE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {function}()"
        )
        cursor.execute(
            f"UPDATE {table} SET {VECTOR_COLUMN} = {_vector_sql(table, kind)}"
        )
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {function}_idx ON {table} "
            f"USING gin ({VECTOR_COLUMN})"
        )


def _reinstall_postgresql_index_if_needed(using):
    expected = dict(_pg_function(kind) for kind in KINDS.values())
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT proname, prosrc FROM pg_proc WHERE proname = ANY(%s)",
            [list(expected)],
        )
        found = dict(cursor.fetchall())
        # Before the index's migration there is none to keep in step.
        if found and found != expected:
            install_postgresql_index(cursor)
