-- The sum of the targets set below each place, kept as targets are set, so that a state's
-- page reads 53 rows instead of adding up every village's target.
CREATE TABLE target_sums (
    place_code TEXT PRIMARY KEY,
    below      BIGINT NOT NULL
);
INSERT INTO target_sums(place_code, below)
SELECT a.ancestor, sum(t.target) FROM targets t JOIN place_ancestors a ON a.code = t.unit_code
WHERE a.depth > 0 GROUP BY a.ancestor;
