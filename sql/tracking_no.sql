--
-- ordertrack.tracking_no: text forms, every input error, casts, operators
-- and indexes.  Exact outputs; behaviour under concurrency and volume is
-- tested elsewhere.
--
SET search_path = ordertrack, public;

-- Accepted forms: bare, grouped by spaces or hyphens, surrounding whitespace.
SELECT '1722836735402222'::tracking_no AS bare,
       '1722 8367 3540 2222'::tracking_no AS spaces,
       '1722-8367-3540-2222'::tracking_no AS hyphens,
       E'\t 1722836735402222 \n'::tracking_no AS padded;

-- Every rule, each with its own detail.
SELECT ''::tracking_no;
SELECT '   '::tracking_no;
SELECT '172283673540222'::tracking_no;
SELECT '17228367354022220'::tracking_no;
SELECT '1722x36735402222'::tracking_no;
SELECT '17228367354O2222'::tracking_no;
SELECT '1722８367354022２2'::tracking_no;
SELECT E'1722\x01836735402222'::tracking_no;
SELECT '1722-8367 3540-2222'::tracking_no;
SELECT '1722  8367 3540 2222'::tracking_no;
SELECT '17228367-35402222'::tracking_no;
SELECT '-1722836735402222'::tracking_no;
SELECT '0722836735402222'::tracking_no;
SELECT '1722836735402223'::tracking_no;
SELECT '1722836735402222'::tracking_no, '1722386735402222'::tracking_no;
SELECT '1722836735402222; DROP TABLE x'::tracking_no;

-- tracking_no_valid: same rules, never raises; NULL in, NULL out.
SELECT left(t, 20) AS t, length(t) AS len, tracking_no_valid(t)
  FROM unnest(ARRAY['1722836735402222', '1722 8367 3540 2222', '1722-8367-3540-2222',
                    '', '1722836735402223', '0722836735402222', 'abc', repeat('9', 10000),
                    NULL]) AS t;

-- Output is always the 16 digits alone.
SELECT ('1722 8367 3540 2222'::tracking_no)::text;

-- Casts: bigint both ways (validated into the type), text both ways.
SELECT 1722836735402222::bigint::tracking_no;
SELECT ('1722836735402222'::tracking_no)::bigint + 0 AS as_bigint;
SELECT 1722836735402223::bigint::tracking_no;
SELECT (-1722836735402222)::bigint::tracking_no;
SELECT 0::bigint::tracking_no;
SELECT 9223372036854775807::bigint::tracking_no;
SELECT '1722836735402222'::text::tracking_no;
SELECT 'nope'::text::tracking_no;
CREATE TEMP TABLE assign (t text);
INSERT INTO assign VALUES ('1722836735402222'::tracking_no);
SELECT * FROM assign;

-- Operators.
SELECT a, b, a = b AS eq, a <> b AS ne, a < b AS lt, a <= b AS le, a > b AS gt, a >= b AS ge
  FROM (VALUES ('1722836735402222'::tracking_no, '1722836735402222'::tracking_no),
               ('1722836735402222'::tracking_no, '3546277848647424'::tracking_no),
               ('3546277848647424'::tracking_no, '1722836735402222'::tracking_no)) v(a, b);

-- btree and hash indexes are used and give the same answers as a scan.
CREATE TEMP TABLE tn (n tracking_no NOT NULL);
INSERT INTO tn SELECT (b * 10 + (SELECT d FROM generate_series(0, 9) d
                                 WHERE tracking_no_valid((b * 10 + d)::text)))::tracking_no
  FROM generate_series(100000000000000, 100000000000999) b;
SELECT count(*), count(DISTINCT n), min(n), max(n) FROM tn;
CREATE INDEX tn_btree ON tn USING btree (n);
ANALYZE tn;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SET enable_hashjoin = off;
EXPLAIN (COSTS OFF) SELECT * FROM tn WHERE n = '1000000000000077';
SELECT * FROM tn WHERE n = '1000000000000077';
EXPLAIN (COSTS OFF) SELECT count(*) FROM tn WHERE n < '1000000000005003';
SELECT count(*) FROM tn WHERE n < '1000000000005003';
DROP INDEX tn_btree;
CREATE INDEX tn_hash ON tn USING hash (n);
EXPLAIN (COSTS OFF) SELECT * FROM tn WHERE n = '1000000000000077';
SELECT * FROM tn WHERE n = '1000000000000077';
RESET enable_seqscan;
RESET enable_bitmapscan;
RESET enable_hashjoin;
-- hash aggregation and hash joins use the hash opclass
SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM (SELECT n FROM tn GROUP BY n) g;
SELECT count(*) FROM (SELECT n FROM tn GROUP BY n) g;
SET enable_mergejoin = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM tn a JOIN tn b USING (n);
SELECT count(*) FROM tn a JOIN tn b USING (n);
RESET enable_mergejoin;
RESET enable_sort;
-- hash functions agree with each other for equal values
SELECT tracking_no_hash('1722836735402222') = tracking_no_hash('1722-8367-3540-2222') AS same_hash,
       tracking_no_hash_extended('1722836735402222', 0) = tracking_no_hash_extended('1722 8367 3540 2222', 0) AS same_ext,
       tracking_no_hash_extended('1722836735402222', 0) <> tracking_no_hash_extended('1722836735402222', 1) AS seeded;
-- ORDER BY uses the btree opclass
SELECT n FROM tn ORDER BY n DESC LIMIT 3;

-- The type is documented.
SELECT obj_description('ordertrack.tracking_no'::regtype, 'pg_type') IS NOT NULL AS type_commented;
