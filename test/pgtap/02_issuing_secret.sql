-- pgTAP: the issuing secret's life, issuers, privileges and the caches.
-- Runs on a database of its own where no number was issued yet, and commits
-- and rolls back on purpose: the secret's state is transactional, the
-- sequence is not.
SET search_path = ordertrack, public;
SET client_min_messages = warning;
SELECT plan(36);

-- A new database has one unused 256-bit secret.
SELECT is((SELECT count(*)::int FROM tracking_secret), 1, 'CREATE EXTENSION makes one secret');
SELECT is((SELECT octet_length(secret) FROM tracking_secret), 32, 'the secret has 256 bits');
SELECT ok((SELECT first_issued_at IS NULL FROM tracking_secret), 'a new secret is not in use');
SELECT isnt(tracking_secret_generate(), tracking_secret_generate(), 'generated secrets differ');

-- While unused, a row inserted over it replaces it (what pg_restore does).
SELECT secret AS old_secret FROM tracking_secret \gset
INSERT INTO tracking_secret (secret, issuer) VALUES (tracking_secret_generate(), 5);
SELECT is((SELECT count(*)::int FROM tracking_secret), 1, 'an inserted row replaces an unused secret');
SELECT isnt((SELECT secret FROM tracking_secret), :'old_secret'::bytea, 'the inserted secret is in place');
UPDATE tracking_secret SET issuer = 6;
SELECT is((SELECT issuer FROM tracking_secret), 6, 'the issuer of an unused secret can be set');
SELECT throws_ok($$UPDATE ordertrack.tracking_secret SET issuer = 1024$$, '23514', NULL,
	'issuers are 0 to 1023');

-- Same secret, issuer and sequence value: same numbers; another issuer or
-- another secret: other numbers.  Savepoints undo the secret's use.
BEGIN;
UPDATE tracking_secret SET issuer = 0;
SAVEPOINT a;
SELECT setval('ordertrack.tracking_seq', 0, false) \gset
SELECT array_agg(issue_tracking_no()::text ORDER BY g) AS first0 FROM generate_series(1, 300) g \gset
SELECT ok((SELECT first_issued_at IS NOT NULL FROM tracking_secret), 'the first issue marks the secret in use');
ROLLBACK TO a;
SELECT ok((SELECT first_issued_at IS NULL FROM tracking_secret), 'rolled back to a savepoint, the secret is unused again');
SELECT setval('ordertrack.tracking_seq', 0, false) \gset
SELECT array_agg(issue_tracking_no()::text ORDER BY g) AS again0 FROM generate_series(1, 300) g \gset
SELECT is(:'again0'::text[], :'first0'::text[], 'same secret, issuer and sequence position give the same numbers');
SELECT ok((SELECT first_issued_at IS NOT NULL FROM tracking_secret), 'after a rolled-back savepoint the secret is read and marked again');
ROLLBACK TO a;
UPDATE tracking_secret SET issuer = 1;
SELECT setval('ordertrack.tracking_seq', 0, false) \gset
SELECT array_agg(issue_tracking_no()::text ORDER BY g) AS first1 FROM generate_series(1, 300) g \gset
SELECT is((SELECT count(*)::int FROM unnest(:'first0'::text[]) x JOIN unnest(:'first1'::text[]) y ON x = y), 0,
	'another issuer sharing the secret issues none of the same numbers');
ROLLBACK TO a;
INSERT INTO tracking_secret (secret) VALUES (tracking_secret_generate());
SELECT setval('ordertrack.tracking_seq', 0, false) \gset
SELECT array_agg(issue_tracking_no()::text ORDER BY g) AS other0 FROM generate_series(1, 300) g \gset
SELECT is((SELECT count(*)::int FROM unnest(:'first0'::text[]) x JOIN unnest(:'other0'::text[]) y ON x = y), 0,
	'another secret gives other numbers');
ROLLBACK;

-- A whole transaction rolled back undoes the marking too.
BEGIN;
SELECT issue_tracking_no() IS NOT NULL AS issued \gset
ROLLBACK;
SELECT ok((SELECT first_issued_at IS NULL FROM tracking_secret), 'a rolled-back first issue leaves the secret unused');
SELECT ok(issue_tracking_no() IS NOT NULL, 'issuing after the rollback works');
SELECT ok((SELECT first_issued_at IS NOT NULL FROM tracking_secret), 'and marks the secret in use for good');

-- A secret in use never changes.
SELECT throws_ok($$UPDATE ordertrack.tracking_secret SET issuer = 2$$, '55000',
	'the tracking-number secret is in use and cannot be changed', 'a secret in use cannot be updated');
SELECT throws_ok($$DELETE FROM ordertrack.tracking_secret$$, '55000', NULL, 'a secret in use cannot be deleted');
SELECT throws_ok($$TRUNCATE ordertrack.tracking_secret$$, '55000', NULL, 'a secret in use cannot be truncated');
SELECT throws_ok($$INSERT INTO ordertrack.tracking_secret (secret) VALUES (ordertrack.tracking_secret_generate())$$,
	'55000', NULL, 'a secret in use cannot be replaced');

-- The guard is a BEFORE trigger, row-level for UPDATE and DELETE.
CREATE TABLE misuse (x int);
INSERT INTO misuse VALUES (1);
CREATE TRIGGER after_guard AFTER INSERT ON misuse FOR EACH ROW EXECUTE FUNCTION ordertrack.tracking_secret_guard();
SELECT throws_ok($$INSERT INTO misuse VALUES (2)$$, '39P01', NULL, 'the guard refuses to run as an AFTER trigger');
DROP TRIGGER after_guard ON misuse;
CREATE TRIGGER stmt_guard BEFORE UPDATE ON misuse FOR EACH STATEMENT EXECUTE FUNCTION ordertrack.tracking_secret_guard();
SELECT throws_ok($$UPDATE misuse SET x = 3$$, '39P01', NULL, 'the guard refuses to run per statement on UPDATE');
DROP TABLE misuse;

-- Without the secret nothing is issued.
BEGIN;
ALTER TABLE tracking_secret DISABLE TRIGGER USER;
DELETE FROM tracking_secret;
SELECT throws_ok($$SELECT ordertrack.issue_tracking_no()$$, '55000', 'the tracking-number secret is missing',
	'issuing without a secret is 55000');
SELECT throws_ok($$SELECT ordertrack.issue_tracking_no()$$, '55000', 'the tracking-number secret is missing',
	'and so is the next try in the same session');
ROLLBACK;
SELECT ok(tracking_no_valid(issue_tracking_no()::text), 'with the secret back, issuing works again');

-- Privileges: other roles issue only when granted, and never read the secret.
DROP ROLE IF EXISTS ot_clerk;
CREATE ROLE ot_clerk;
SET ROLE ot_clerk;
SELECT throws_ok($$SELECT ordertrack.tracking_no_valid('1722836735402222')$$, '42501', NULL,
	'PUBLIC may not even use the schema');
RESET ROLE;
GRANT USAGE ON SCHEMA ordertrack TO ot_clerk;
SET ROLE ot_clerk;
SELECT ok(tracking_no_valid('1722836735402222'), 'a role that may use the schema validates tracking numbers');
SELECT throws_ok($$SELECT ordertrack.issue_tracking_no()$$, '42501', NULL, 'issuing needs a grant');
SELECT throws_ok($$SELECT secret FROM ordertrack.tracking_secret$$, '42501', NULL, 'other roles cannot read the secret');
RESET ROLE;
GRANT EXECUTE ON FUNCTION issue_tracking_no() TO ot_clerk;
SET ROLE ot_clerk;
SELECT ok(tracking_no_valid(issue_tracking_no()::text), 'a granted role issues numbers');
SELECT throws_ok($$SELECT secret FROM ordertrack.tracking_secret$$, '42501', NULL, 'a granted role still cannot read the secret');
SELECT throws_ok($$SELECT nextval('ordertrack.tracking_seq')$$, '42501', NULL, 'nor draw on the sequence directly');
RESET ROLE;
REVOKE ALL ON FUNCTION issue_tracking_no() FROM ot_clerk;
REVOKE USAGE ON SCHEMA ordertrack FROM ot_clerk;
DROP ROLE ot_clerk;

-- The number space of an issuer is finite; its end is an error, not a wrap.
SELECT setval('ordertrack.tracking_seq', 878906249999) \gset
SELECT throws_ok($$SELECT ordertrack.issue_tracking_no()$$, '2200H', NULL,
	'an exhausted sequence is 2200H, never a repeated number');

-- A sequence whose bounds were altered by hand is refused, not trusted.
BEGIN;
ALTER SEQUENCE tracking_seq MAXVALUE 9000000000000;
SELECT setval('ordertrack.tracking_seq', 878906250000, false) \gset
SELECT throws_ok($$SELECT ordertrack.issue_tracking_no()$$, '55000',
	'tracking-number sequence value 878906250000 is out of range',
	'a sequence value beyond the number space is 55000');
ROLLBACK;

-- Dropping and re-creating the extension in the same session: the cached
-- secret and sequence (warm from the calls above) are dropped with it.
DROP EXTENSION ordertrack;
CREATE EXTENSION ordertrack;
SELECT ok(ordertrack.tracking_no_valid(ordertrack.issue_tracking_no()::text),
	'issuing works after the extension is re-created in the same session');

SELECT * FROM finish();
