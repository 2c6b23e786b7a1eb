-- The planner's picture of `registrations.change_xid` (migration 0020). Every change from
-- before 0020 sits under transaction 0, so right after the migration (and in a database
-- loaded in bulk) ANALYZE finds a handful of distinct values, and the planner expects each
-- transaction to hold a large part of the table: it then reads a ticket's changes, which the
-- rollup asks for on every page view, by scanning every registration instead of the index
-- range (measured: 950 ms a page at 10 million registrations instead of milliseconds). A
-- transaction writes one push's batch or one decision, so say so: distinct values are 0.5 %
-- of the rows, some 200 rows each at most. Transaction 0 stays a most common value, which
-- the feed never asks for by itself once the rollup and devices have moved past it.
ALTER TABLE registrations ALTER COLUMN change_xid SET (n_distinct = -0.005);
ANALYZE registrations;
