/*
 * ordertrack 0.12 -> 0.13: faster consumers.  poll() plans its queries for
 * each batch's snapshots: with a generic plan, which PostgreSQL chooses
 * from a session's sixth call on, every poll read every retained event.
 */
\echo Use "ALTER EXTENSION ordertrack UPDATE TO '0.13'" to load this file. \quit

ALTER FUNCTION ordertrack.poll(text, integer) SET plan_cache_mode = force_custom_plan;
