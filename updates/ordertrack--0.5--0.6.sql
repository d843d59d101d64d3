/* ordertrack--0.5--0.6.sql: ALTER EXTENSION ordertrack UPDATE TO '0.6' */
\echo Use "ALTER EXTENSION ordertrack UPDATE TO '0.6'" to load this file. \quit

-- 0.6 changes no object: its install script is built from the current
-- definitions by concern (src/sql/), and a database updated from 0.5 has
-- the same schema as one that installs 0.6 (test/scripts/upgrade_chain.sh).
