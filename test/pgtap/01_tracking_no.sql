-- pgTAP: ordertrack.tracking_no as a caller sees it.
-- SQLSTATEs of every input error, the check digit's detection power on a
-- sample of 10,000 issued numbers, Luhn-freedom and distinctness of issued
-- numbers, and the documentation of every object.
BEGIN;
SET search_path = ordertrack, public;
SELECT plan(27);

-- Every rule of the text input is a 22P02 with the core wording.
SELECT throws_ok($$SELECT ''::ordertrack.tracking_no$$, '22P02',
	'invalid input syntax for type tracking_no: ""', 'empty input is 22P02');
SELECT throws_ok($$SELECT '123456789012345'::ordertrack.tracking_no$$, '22P02',
	NULL, 'too few digits is 22P02');
SELECT throws_ok($$SELECT '12345678901234567'::ordertrack.tracking_no$$, '22P02',
	NULL, 'too many digits is 22P02');
SELECT throws_ok($$SELECT '1722x36735402222'::ordertrack.tracking_no$$, '22P02',
	NULL, 'a non-digit is 22P02');
SELECT throws_ok($$SELECT '1722-8367 3540-2222'::ordertrack.tracking_no$$, '22P02',
	NULL, 'mixed separators are 22P02');
SELECT throws_ok($$SELECT '0722836735402222'::ordertrack.tracking_no$$, '22P02',
	NULL, 'a leading zero is 22P02');
SELECT throws_ok($$SELECT '1722836735402223'::ordertrack.tracking_no$$, '22P02',
	'invalid input syntax for type tracking_no: "1722836735402223"', 'a wrong check digit is 22P02');
SELECT throws_ok($$SELECT 1722836735402223::bigint::ordertrack.tracking_no$$, '22P02',
	NULL, 'an invalid bigint is 22P02');
SELECT throws_like($$SELECT '1722836735402221'::ordertrack.tracking_no$$,
	'%tracking_no%', 'the message names the type');
SELECT lives_ok($$SELECT ordertrack.tracking_no_valid(x) FROM (VALUES (''), (repeat('x', 100000)),
	(E'\u4e2d\u6587'), ('1722836735402222'), ('🙂🙂🙂🙂'), (NULL)) v(x)$$,
	'tracking_no_valid never raises');

-- A sample of 10,000 issued numbers.
CREATE TEMP TABLE sample AS
	SELECT issue_tracking_no() AS n FROM generate_series(1, 10000);

SELECT is((SELECT count(DISTINCT n)::int FROM sample), 10000, '10,000 issued numbers are distinct');
SELECT ok((SELECT bool_and(tracking_no_valid(n::text) AND length(n::text) = 16
						   AND left(n::text, 1) <> '0') FROM sample),
	'every issued number is 16 digits, valid, not starting with 0');

-- Luhn, written independently of the extension.
CREATE FUNCTION pg_temp.luhn(t text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
	SELECT sum(CASE WHEN (length(t) - p) % 2 = 1
					THEN substr(t, p, 1)::int * 2 - CASE WHEN substr(t, p, 1)::int > 4 THEN 9 ELSE 0 END
					ELSE substr(t, p, 1)::int END) % 10 = 0
	  FROM generate_series(1, length(t)) p
$$;
SELECT ok(pg_temp.luhn('4111111111111111') AND pg_temp.luhn('79927398713')
		  AND NOT pg_temp.luhn('4111111111111112'), 'the Luhn reference accepts card test numbers');
SELECT is((SELECT count(*)::int FROM sample WHERE pg_temp.luhn(n::text)), 0,
	'no issued number passes Luhn');
SELECT cmp_ok((SELECT count(*)::int FROM generate_series(1000000000000000, 1000000000009999) v
			   WHERE tracking_no_valid(v::text) AND pg_temp.luhn(v::text)), '>', 0,
	'valid numbers that pass Luhn exist, so issuing skips them on purpose');

-- Every single-digit substitution and adjacent transposition of distinct
-- digits of every sampled number is rejected.
CREATE TEMP TABLE mutants AS
	SELECT overlay(n::text PLACING d::text FROM p FOR 1) AS m
	  FROM sample, generate_series(1, 16) p, generate_series(0, 9) d
	 WHERE substr(n::text, p, 1) <> d::text
	UNION ALL
	SELECT overlay(n::text PLACING substr(n::text, p + 1, 1) || substr(n::text, p, 1) FROM p FOR 2)
	  FROM sample, generate_series(1, 15) p
	 WHERE substr(n::text, p, 1) <> substr(n::text, p + 1, 1);
SELECT cmp_ok((SELECT count(*)::int FROM mutants), '>=', 10000 * 144,
	'at least 1.44 million mutants of the sample were made');
SELECT is((SELECT count(*)::int FROM mutants WHERE tracking_no_valid(m)), 0,
	'every single-digit substitution and adjacent transposition is rejected');

-- Text and binary-compatible round trips.
SELECT is((SELECT count(*)::int FROM sample WHERE n::text::tracking_no <> n
			OR n::bigint::tracking_no <> n
			OR regexp_replace(n::text, '(\d{4})(\d{4})(\d{4})(\d{4})', '\1 \2 \3 \4')::tracking_no <> n
			OR regexp_replace(n::text, '(\d{4})(\d{4})(\d{4})(\d{4})', '\1-\2-\3-\4')::tracking_no <> n), 0,
	'bare, grouped, text and bigint forms round-trip');
SELECT is((SELECT count(*)::int FROM (SELECT n FROM sample ORDER BY n) a), 10000, 'issued numbers sort');
SELECT ok((SELECT min(n) < max(n) FROM sample), 'min and max aggregate tracking numbers');

-- The contract of the extension.
SELECT is((SELECT extrelocatable FROM pg_extension WHERE extname = 'ordertrack'), false,
	'the extension is not relocatable');
SELECT is((SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'ordertrack'),
	'ordertrack', 'the extension lives in schema ordertrack');
SELECT has_function('ordertrack', 'tracking_no_valid', ARRAY['text'], 'tracking_no_valid(text) exists');
SELECT function_returns('ordertrack', 'issue_tracking_no', ARRAY[]::text[], 'tracking_no',
	'issue_tracking_no() returns tracking_no');
SELECT is_empty($$
	SELECT pg_describe_object(d.classid, d.objid, 0)
	  FROM pg_depend d
	 WHERE d.refclassid = 'pg_extension'::regclass
	   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'ordertrack')
	   AND d.deptype = 'e'
	   AND NOT EXISTS (SELECT 1 FROM pg_description c
					   WHERE c.classoid = d.classid AND c.objoid = d.objid AND c.objsubid = 0)
	   -- (from 17 on, a table's row type and an array type are members too: they are described by their table and element)
	   AND NOT EXISTS (SELECT 1 FROM pg_type t
					   WHERE d.classid = 'pg_type'::regclass AND t.oid = d.objid AND (t.typrelid <> 0 OR t.typelem <> 0))
$$, 'every object of the extension has a comment');
SELECT is_empty($$
	SELECT a.attrelid::regclass || '.' || a.attname
	  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
	 WHERE c.relnamespace = 'ordertrack'::regnamespace AND c.relkind = 'r'
	   AND a.attnum > 0 AND NOT a.attisdropped
	   AND col_description(a.attrelid, a.attnum) IS NULL
$$, 'every column of the extension''s tables has a comment');
SELECT is_empty($$
	SELECT c.relname FROM pg_class c
	 WHERE c.relnamespace = 'ordertrack'::regnamespace AND c.relkind IN ('r', 'S')
	   AND c.oid <> ALL (SELECT unnest(extconfig) FROM pg_extension WHERE extname = 'ordertrack')
$$, 'every table and sequence with data of the shop is kept by pg_dump');

SELECT * FROM finish();
ROLLBACK;
