-- pgTAP: the intake suite again, through the SQL path that intake takes on a
-- table that is not ordertrack.orders itself (a shard of a distributed
-- table): ordertrack.intake_sql = on.  Both paths must give the same results.
SET ordertrack.intake_sql = on;
\ir 04_intake.sql
