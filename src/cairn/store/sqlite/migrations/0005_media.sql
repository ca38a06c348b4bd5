-- The steps of each history key without its values: listing the media of a run (keys,
-- counts, steps) reads this small covering index instead of every stored reference.
CREATE INDEX history_objects_steps ON history_objects (run, key, step);
