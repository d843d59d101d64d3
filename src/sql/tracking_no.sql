/* tracking_no.sql: the tracking-number type and its issuing */

GRANT USAGE ON SCHEMA ordertrack TO PUBLIC;
COMMENT ON SCHEMA ordertrack IS 'ordertrack: order intake, tracking numbers, stages and events';

-- ---------------------------------------------------------------------------
-- Type ordertrack.tracking_no: 16 digits, first not 0, last a Damm check digit
-- ---------------------------------------------------------------------------

CREATE TYPE ordertrack.tracking_no;

CREATE FUNCTION ordertrack.tracking_no_in(cstring) RETURNS ordertrack.tracking_no
	AS 'MODULE_PATHNAME', 'tracking_no_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ordertrack.tracking_no_out(ordertrack.tracking_no) RETURNS cstring
	AS 'MODULE_PATHNAME', 'tracking_no_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ordertrack.tracking_no_recv(internal) RETURNS ordertrack.tracking_no
	AS 'MODULE_PATHNAME', 'tracking_no_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ordertrack.tracking_no_send(ordertrack.tracking_no) RETURNS bytea
	AS 'MODULE_PATHNAME', 'tracking_no_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE ordertrack.tracking_no (
	INPUT = ordertrack.tracking_no_in,
	OUTPUT = ordertrack.tracking_no_out,
	RECEIVE = ordertrack.tracking_no_recv,
	SEND = ordertrack.tracking_no_send,
	LIKE = pg_catalog.int8
);

COMMENT ON TYPE ordertrack.tracking_no IS
	'Tracking number: 16 digits, the first never 0, the last a Damm check digit; input may be grouped 4-4-4-4 by single spaces or hyphens';
COMMENT ON FUNCTION ordertrack.tracking_no_in(cstring) IS 'Text input of tracking_no (validates length, digits, grouping and check digit)';
COMMENT ON FUNCTION ordertrack.tracking_no_out(ordertrack.tracking_no) IS 'Text output of tracking_no: the 16 digits alone';
COMMENT ON FUNCTION ordertrack.tracking_no_recv(internal) IS 'Binary input of tracking_no (an int8, validated)';
COMMENT ON FUNCTION ordertrack.tracking_no_send(ordertrack.tracking_no) IS 'Binary output of tracking_no (an int8)';

-- Comparison reuses the built-in int8 functions: the representation is an int8.
CREATE FUNCTION ordertrack.tracking_no_eq(ordertrack.tracking_no, ordertrack.tracking_no) RETURNS boolean
	AS 'int8eq' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION ordertrack.tracking_no_ne(ordertrack.tracking_no, ordertrack.tracking_no) RETURNS boolean
	AS 'int8ne' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION ordertrack.tracking_no_lt(ordertrack.tracking_no, ordertrack.tracking_no) RETURNS boolean
	AS 'int8lt' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION ordertrack.tracking_no_le(ordertrack.tracking_no, ordertrack.tracking_no) RETURNS boolean
	AS 'int8le' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION ordertrack.tracking_no_gt(ordertrack.tracking_no, ordertrack.tracking_no) RETURNS boolean
	AS 'int8gt' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION ordertrack.tracking_no_ge(ordertrack.tracking_no, ordertrack.tracking_no) RETURNS boolean
	AS 'int8ge' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION ordertrack.tracking_no_cmp(ordertrack.tracking_no, ordertrack.tracking_no) RETURNS integer
	AS 'btint8cmp' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION ordertrack.tracking_no_hash(ordertrack.tracking_no) RETURNS integer
	AS 'hashint8' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION ordertrack.tracking_no_hash_extended(ordertrack.tracking_no, bigint) RETURNS bigint
	AS 'hashint8extended' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

COMMENT ON FUNCTION ordertrack.tracking_no_eq(ordertrack.tracking_no, ordertrack.tracking_no) IS 'Implements = for tracking_no';
COMMENT ON FUNCTION ordertrack.tracking_no_ne(ordertrack.tracking_no, ordertrack.tracking_no) IS 'Implements <> for tracking_no';
COMMENT ON FUNCTION ordertrack.tracking_no_lt(ordertrack.tracking_no, ordertrack.tracking_no) IS 'Implements < for tracking_no';
COMMENT ON FUNCTION ordertrack.tracking_no_le(ordertrack.tracking_no, ordertrack.tracking_no) IS 'Implements <= for tracking_no';
COMMENT ON FUNCTION ordertrack.tracking_no_gt(ordertrack.tracking_no, ordertrack.tracking_no) IS 'Implements > for tracking_no';
COMMENT ON FUNCTION ordertrack.tracking_no_ge(ordertrack.tracking_no, ordertrack.tracking_no) IS 'Implements >= for tracking_no';
COMMENT ON FUNCTION ordertrack.tracking_no_cmp(ordertrack.tracking_no, ordertrack.tracking_no) IS 'btree comparison support for tracking_no';
COMMENT ON FUNCTION ordertrack.tracking_no_hash(ordertrack.tracking_no) IS 'hash support for tracking_no';
COMMENT ON FUNCTION ordertrack.tracking_no_hash_extended(ordertrack.tracking_no, bigint) IS 'extended (seeded) hash support for tracking_no';

CREATE OPERATOR ordertrack.= (
	LEFTARG = ordertrack.tracking_no, RIGHTARG = ordertrack.tracking_no,
	FUNCTION = ordertrack.tracking_no_eq,
	COMMUTATOR = OPERATOR(ordertrack.=), NEGATOR = OPERATOR(ordertrack.<>),
	RESTRICT = pg_catalog.eqsel, JOIN = pg_catalog.eqjoinsel, HASHES, MERGES
);
CREATE OPERATOR ordertrack.<> (
	LEFTARG = ordertrack.tracking_no, RIGHTARG = ordertrack.tracking_no,
	FUNCTION = ordertrack.tracking_no_ne,
	COMMUTATOR = OPERATOR(ordertrack.<>), NEGATOR = OPERATOR(ordertrack.=),
	RESTRICT = pg_catalog.neqsel, JOIN = pg_catalog.neqjoinsel
);
CREATE OPERATOR ordertrack.< (
	LEFTARG = ordertrack.tracking_no, RIGHTARG = ordertrack.tracking_no,
	FUNCTION = ordertrack.tracking_no_lt,
	COMMUTATOR = OPERATOR(ordertrack.>), NEGATOR = OPERATOR(ordertrack.>=),
	RESTRICT = pg_catalog.scalarltsel, JOIN = pg_catalog.scalarltjoinsel
);
CREATE OPERATOR ordertrack.<= (
	LEFTARG = ordertrack.tracking_no, RIGHTARG = ordertrack.tracking_no,
	FUNCTION = ordertrack.tracking_no_le,
	COMMUTATOR = OPERATOR(ordertrack.>=), NEGATOR = OPERATOR(ordertrack.>),
	RESTRICT = pg_catalog.scalarlesel, JOIN = pg_catalog.scalarlejoinsel
);
CREATE OPERATOR ordertrack.> (
	LEFTARG = ordertrack.tracking_no, RIGHTARG = ordertrack.tracking_no,
	FUNCTION = ordertrack.tracking_no_gt,
	COMMUTATOR = OPERATOR(ordertrack.<), NEGATOR = OPERATOR(ordertrack.<=),
	RESTRICT = pg_catalog.scalargtsel, JOIN = pg_catalog.scalargtjoinsel
);
CREATE OPERATOR ordertrack.>= (
	LEFTARG = ordertrack.tracking_no, RIGHTARG = ordertrack.tracking_no,
	FUNCTION = ordertrack.tracking_no_ge,
	COMMUTATOR = OPERATOR(ordertrack.<=), NEGATOR = OPERATOR(ordertrack.<),
	RESTRICT = pg_catalog.scalargesel, JOIN = pg_catalog.scalargejoinsel
);

COMMENT ON OPERATOR ordertrack.= (ordertrack.tracking_no, ordertrack.tracking_no) IS 'equal';
COMMENT ON OPERATOR ordertrack.<> (ordertrack.tracking_no, ordertrack.tracking_no) IS 'not equal';
COMMENT ON OPERATOR ordertrack.< (ordertrack.tracking_no, ordertrack.tracking_no) IS 'less than';
COMMENT ON OPERATOR ordertrack.<= (ordertrack.tracking_no, ordertrack.tracking_no) IS 'less than or equal';
COMMENT ON OPERATOR ordertrack.> (ordertrack.tracking_no, ordertrack.tracking_no) IS 'greater than';
COMMENT ON OPERATOR ordertrack.>= (ordertrack.tracking_no, ordertrack.tracking_no) IS 'greater than or equal';

CREATE OPERATOR CLASS ordertrack.tracking_no_ops
	DEFAULT FOR TYPE ordertrack.tracking_no USING btree AS
		OPERATOR 1 ordertrack.<,
		OPERATOR 2 ordertrack.<=,
		OPERATOR 3 ordertrack.=,
		OPERATOR 4 ordertrack.>=,
		OPERATOR 5 ordertrack.>,
		FUNCTION 1 ordertrack.tracking_no_cmp(ordertrack.tracking_no, ordertrack.tracking_no),
		FUNCTION 2 pg_catalog.btint8sortsupport(internal),
		FUNCTION 4 pg_catalog.btequalimage(oid);

CREATE OPERATOR CLASS ordertrack.tracking_no_hash_ops
	DEFAULT FOR TYPE ordertrack.tracking_no USING hash AS
		OPERATOR 1 ordertrack.=,
		FUNCTION 1 ordertrack.tracking_no_hash(ordertrack.tracking_no),
		FUNCTION 2 ordertrack.tracking_no_hash_extended(ordertrack.tracking_no, bigint);

COMMENT ON OPERATOR CLASS ordertrack.tracking_no_ops USING btree IS 'btree ordering of tracking numbers';
COMMENT ON OPERATOR CLASS ordertrack.tracking_no_hash_ops USING hash IS 'hashing of tracking numbers';
COMMENT ON OPERATOR FAMILY ordertrack.tracking_no_ops USING btree IS 'btree ordering of tracking numbers';
COMMENT ON OPERATOR FAMILY ordertrack.tracking_no_hash_ops USING hash IS 'hashing of tracking numbers';

-- min() and max(), so that reports can say "the first and the last number".
CREATE FUNCTION ordertrack.tracking_no_smaller(ordertrack.tracking_no, ordertrack.tracking_no) RETURNS ordertrack.tracking_no
	AS 'int8smaller' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ordertrack.tracking_no_larger(ordertrack.tracking_no, ordertrack.tracking_no) RETURNS ordertrack.tracking_no
	AS 'int8larger' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ordertrack.tracking_no_smaller(ordertrack.tracking_no, ordertrack.tracking_no) IS 'The smaller of two tracking numbers';
COMMENT ON FUNCTION ordertrack.tracking_no_larger(ordertrack.tracking_no, ordertrack.tracking_no) IS 'The larger of two tracking numbers';
CREATE AGGREGATE ordertrack.min(ordertrack.tracking_no) (
	SFUNC = ordertrack.tracking_no_smaller, STYPE = ordertrack.tracking_no,
	COMBINEFUNC = ordertrack.tracking_no_smaller, SORTOP = OPERATOR(ordertrack.<), PARALLEL = SAFE
);
CREATE AGGREGATE ordertrack.max(ordertrack.tracking_no) (
	SFUNC = ordertrack.tracking_no_larger, STYPE = ordertrack.tracking_no,
	COMBINEFUNC = ordertrack.tracking_no_larger, SORTOP = OPERATOR(ordertrack.>), PARALLEL = SAFE
);
COMMENT ON AGGREGATE ordertrack.min(ordertrack.tracking_no) IS 'Smallest tracking number';
COMMENT ON AGGREGATE ordertrack.max(ordertrack.tracking_no) IS 'Largest tracking number';

-- Casts.  Text casts go through the validating I/O functions.
CREATE FUNCTION ordertrack.tracking_no(bigint) RETURNS ordertrack.tracking_no
	AS 'MODULE_PATHNAME', 'tracking_no_from_bigint' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ordertrack.tracking_no(bigint) IS 'Cast from bigint; raises 22P02 unless it is a valid tracking number';

CREATE CAST (bigint AS ordertrack.tracking_no) WITH FUNCTION ordertrack.tracking_no(bigint);
CREATE CAST (ordertrack.tracking_no AS bigint) WITHOUT FUNCTION;
CREATE CAST (text AS ordertrack.tracking_no) WITH INOUT;
CREATE CAST (ordertrack.tracking_no AS text) WITH INOUT AS ASSIGNMENT;
COMMENT ON CAST (bigint AS ordertrack.tracking_no) IS 'validated: raises 22P02 unless a valid tracking number';
COMMENT ON CAST (ordertrack.tracking_no AS bigint) IS 'the number as an integer';
COMMENT ON CAST (text AS ordertrack.tracking_no) IS 'validated text input: 16 digits or 4-4-4-4 groups';
COMMENT ON CAST (ordertrack.tracking_no AS text) IS 'the 16 digits alone';

CREATE FUNCTION ordertrack.tracking_no_valid(text) RETURNS boolean
	AS 'MODULE_PATHNAME', 'tracking_no_valid' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ordertrack.tracking_no_valid(text) IS
	'True if the text is a valid tracking number (same rules as input); never raises';

-- ---------------------------------------------------------------------------
-- Issuing: a keyed permutation of a sequence value
-- ---------------------------------------------------------------------------

-- Sequence values 0 .. 878906249999: TN_DOMAIN / 1024 issuers.
CREATE SEQUENCE ordertrack.tracking_seq AS bigint MINVALUE 0 MAXVALUE 878906249999 START 0 NO CYCLE;
COMMENT ON SEQUENCE ordertrack.tracking_seq IS
	'Counter behind issue_tracking_no(); its state is dumped so that a restored database never repeats a number';
REVOKE ALL ON SEQUENCE ordertrack.tracking_seq FROM PUBLIC;

CREATE TABLE ordertrack.tracking_secret (
	singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
	secret bytea NOT NULL CHECK (pg_catalog.octet_length(secret) OPERATOR(pg_catalog.=) 32),
	issuer integer NOT NULL DEFAULT 0 CHECK (issuer OPERATOR(pg_catalog.>=) 0 AND issuer OPERATOR(pg_catalog.<) 1024),
	created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	first_issued_at timestamptz
);
REVOKE ALL ON ordertrack.tracking_secret FROM PUBLIC;
COMMENT ON TABLE ordertrack.tracking_secret IS
	'The secret key of the tracking-number permutation (one row, readable by the extension owner only, kept by pg_dump)';
COMMENT ON COLUMN ordertrack.tracking_secret.singleton IS 'Always true: the table holds one row';
COMMENT ON COLUMN ordertrack.tracking_secret.secret IS '256-bit AES key of the permutation, from the strong random source';
COMMENT ON COLUMN ordertrack.tracking_secret.issuer IS
	'0..1023: which share of the number space this database issues from; databases of one group share the secret and differ in issuer';
COMMENT ON COLUMN ordertrack.tracking_secret.created_at IS 'When the secret was generated';
COMMENT ON COLUMN ordertrack.tracking_secret.first_issued_at IS 'When the first number was issued with it; from then on the row cannot change';

CREATE FUNCTION ordertrack.tracking_secret_generate() RETURNS bytea
	AS 'MODULE_PATHNAME', 'tracking_secret_generate' LANGUAGE C VOLATILE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ordertrack.tracking_secret_generate() IS '32 bytes from the strong random source, for a new tracking-number secret';
REVOKE ALL ON FUNCTION ordertrack.tracking_secret_generate() FROM PUBLIC;

CREATE FUNCTION ordertrack.tracking_secret_guard() RETURNS trigger
	AS 'MODULE_PATHNAME', 'tracking_secret_guard' LANGUAGE C;
COMMENT ON FUNCTION ordertrack.tracking_secret_guard() IS
	'Trigger: a secret in use is never changed; a row inserted over an unused secret replaces it (pg_restore)';

CREATE TRIGGER tracking_secret_guard BEFORE INSERT OR UPDATE OR DELETE ON ordertrack.tracking_secret
	FOR EACH ROW EXECUTE FUNCTION ordertrack.tracking_secret_guard();
CREATE TRIGGER tracking_secret_guard_truncate BEFORE TRUNCATE ON ordertrack.tracking_secret
	FOR EACH STATEMENT EXECUTE FUNCTION ordertrack.tracking_secret_guard();
COMMENT ON TRIGGER tracking_secret_guard ON ordertrack.tracking_secret IS 'Protects a secret in use; lets a restored row replace an unused one';
COMMENT ON TRIGGER tracking_secret_guard_truncate ON ordertrack.tracking_secret IS 'Refuses TRUNCATE of a secret in use';

INSERT INTO ordertrack.tracking_secret (secret) VALUES (ordertrack.tracking_secret_generate());

SELECT pg_catalog.pg_extension_config_dump('ordertrack.tracking_secret', '');
SELECT pg_catalog.pg_extension_config_dump('ordertrack.tracking_seq', '');

CREATE FUNCTION ordertrack.issue_tracking_no() RETURNS ordertrack.tracking_no
	AS 'MODULE_PATHNAME', 'issue_tracking_no' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION ordertrack.issue_tracking_no() IS
	'Issues a new tracking number: never the same twice in a database, not guessable from others, never passing Luhn';
REVOKE ALL ON FUNCTION ordertrack.issue_tracking_no() FROM PUBLIC;
