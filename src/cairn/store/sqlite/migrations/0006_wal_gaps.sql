-- Sequence numbers below a session's high-water mark that were never applied, as msgpack
-- [first, last, first, last, ...] ranges (store/progress.py). Rows from before this
-- migration keep NULL: their gaps are unknown until `cairn sync` repairs them.
ALTER TABLE wal_progress ADD COLUMN gaps BLOB
