"""`make bench` (manage.py bench): the pathway sweeps' queries on synthetic admissions,
timed and explained.

Builds a dedicated benchmark database (never the dev or test database): `rehab_bench` on the
PostgreSQL server of DATABASE_URL, else on postgres://postgres@127.0.0.1:5432 when that
answers, else an SQLite file under var/. On PostgreSQL the rows come from INSERT ... SELECT
generate_series (10 000 and 1 000 000 admissions); on SQLite from chunked bulk inserts, 10 000
by default. About 99 % of the admissions are history (notified, discharged); a small share
is due. For each size it prints the median time of each sweep's main query, the cost of a
first and a repeated sweep run, and whether the plan reads the sweep's index rather than
scanning a big table; then the plans themselves (EXPLAIN ANALYZE on PostgreSQL); last, the
time to render a 30-measure individual plan to PDF; last, the API's throughput for a
100-item list against a trivial endpoint, and its queries per list at page sizes 10, 50
and 100 (rehab_portal/bench/api.py).

The work happens in a child process whose DATABASE_URL names the benchmark database, so
nothing in it can reach another database; its broker is in memory and e-mail goes nowhere.
"""
