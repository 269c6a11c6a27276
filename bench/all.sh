#!/usr/bin/env bash
# The whole benchmark matrix (bench/README.md): for each N given, on PostgreSQL and
# on SQLite, generate the data into a database of its own and measure it, cold and
# warm. Results (Markdown and JSON, with the generation logs) go to $OUT.
#
#   bench/all.sh 62 1000 10000 100000
#
# Environment:
#   PG        PostgreSQL server URL without a database (postgres://postgres@127.0.0.1:5432)
#   DBS       which databases: "postgresql sqlite" (default), or one of them
#   DURATION  seconds per wrk run (10)
#   OUT       results folder (/tmp/bench-results/<UTC date and time>)
#   SEED      generator seed (1)
#   REUSE=1   keep a database that already holds N recommendations instead of
#             generating it again (e.g. bench_100000 generated once)
#
# The databases are bench_<N> on PostgreSQL and /tmp/bench_<N>.sqlite3; each is
# dropped and made again unless REUSE=1 finds it complete. Nothing else is touched.
set -euo pipefail

cd "$(dirname "$0")/.."
[ $# -gt 0 ] || { echo "usage: bench/all.sh N [N...]   e.g. bench/all.sh 62 1000 10000 100000" >&2; exit 2; }

PG=${PG:-postgres://postgres@127.0.0.1:5432}
DBS=${DBS:-postgresql sqlite}
DURATION=${DURATION:-10}
SEED=${SEED:-1}
OUT=${OUT:-/tmp/bench-results/$(date -u +%Y%m%dT%H%M%SZ)}
PY=.venv/bin/python
mkdir -p "$OUT"

pg_host=${PG#*://}; pg_host=${pg_host#*@}; pg_host=${pg_host%%/*}
pg_user=${PG#*://}; pg_user=${pg_user%%@*}; pg_user=${pg_user%%:*}
pg_port=${pg_host#*:}; pg_host=${pg_host%%:*}; [ "$pg_port" != "$pg_host" ] || pg_port=5432

count() {  # recommendations in the database $1 names, or 0
    DJANGO_SECRET_KEY=bench DATABASE_URL="$1" $PY manage.py shell -v 0 -c \
        "from recommendations.models import Recommendation as R; print('COUNT', R.objects.count())" \
        2>/dev/null | sed -n 's/^COUNT //p' || true
}

for n in "$@"; do
    for db in $DBS; do
        case $db in
            postgresql)
                name=bench_$n
                url=$PG/$name
                ;;
            sqlite)
                name=/tmp/bench_$n.sqlite3
                url=sqlite:///$name
                ;;
            *) echo "unknown database kind: $db" >&2; exit 2 ;;
        esac
        if [ "${REUSE:-0}" = 1 ] && [ "$(count "$url")" = "$n" ]; then
            echo "== $db N=$n: reusing $name" >&2
        else
            echo "== $db N=$n: generating into $name" >&2
            if [ "$db" = postgresql ]; then
                dropdb -h "$pg_host" -p "$pg_port" -U "$pg_user" --if-exists "$name"
                createdb -h "$pg_host" -p "$pg_port" -U "$pg_user" "$name"
            else
                rm -f "$name" "$name-load_review.lock"
            fi
            start=$SECONDS
            DJANGO_SECRET_KEY=bench DATABASE_URL="$url" \
                $PY manage.py generate_recommendations "$n" --seed "$SEED" \
                2>&1 | tee "$OUT/generate-$db-$n.log"
            echo "wall clock: $((SECONDS - start)) s" | tee -a "$OUT/generate-$db-$n.log"
        fi
        echo "== $db N=$n: measuring" >&2
        DATABASE_URL="$url" $PY bench/run.py --duration "$DURATION" \
            --json "$OUT/$db-$n.json" | tee "$OUT/$db-$n.md"
    done
done
cat "$OUT"/*.md > "$OUT/all.md"
echo "Results: $OUT/all.md and $OUT/*.json" >&2
