-- The coarse level of each long series (store/levels.py): the points before step
-- `through` grouped by fixed step buckets of `width` steps, as one envelope, so that a
-- chart of a whole long series reads one row (and the series' last chunk). The applier
-- keeps it current; older stores are backfilled on migrate.
CREATE TABLE IF NOT EXISTS series_levels (
    series INTEGER PRIMARY KEY REFERENCES series (id) ON DELETE CASCADE,
    width INTEGER NOT NULL,
    through INTEGER NOT NULL,
    data BLOB NOT NULL
);
