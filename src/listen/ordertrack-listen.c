/*
 * ordertrack-listen.c
 *	  A consumer of the ordertrack outbox: prints every event of its topics
 *	  as one JSON line on standard output and acknowledges it once printed.
 *
 *	  ordertrack-listen --consumer NAME [--topics T1,T2,...] [--max N]
 *						[--interval SECONDS] [--once] [CONNINFO]
 *
 *	  It connects like psql (PG* environment variables, or a connection
 *	  string, URI or database name as the last argument), listens on
 *	  ordertrack_<topic> for its topics, then drains: it calls
 *	  ordertrack.poll() until it returns nothing, printing each batch,
 *	  flushing standard output and only then calling ordertrack.ack() with
 *	  the batch's last event.  Without --max a batch is 100 events, and
 *	  twice the last one, up to 10000, while polls come back full: a live
 *	  stream goes in small batches, a backlog in large ones.  On a Citus
 *	  cluster it connects to the coordinator, which polls every node, and
 *	  also listens on every other node (found in pg_dist_node, reached with
 *	  the same connection options and that node's host and port), since a
 *	  node rings the bell for the events it stores.  A notification only
 *	  rings the bell: on one, and every --interval seconds in case a bell
 *	  was missed (e.g. with ordertrack.notify = off), it drains again.
 *	  Delivery is at least once: a crash repeats at most the events printed
 *	  and not yet acknowledged (one batch), and never one that was
 *	  acknowledged.  Its acknowledgements commit without waiting for the
 *	  disk (synchronous_commit off in its session): a crash of the server
 *	  may also repeat what was acknowledged in the last moments before it.
 *
 *	  A lost connection is reported on standard error and made again after
 *	  1, 2, 4, ... up to 30 seconds, draining first.  A server that stops
 *	  answering (a half-open connection) is noticed within about a minute:
 *	  TCP keepalives after 30 s of silence, and tcp_user_timeout 60 s, unless
 *	  the connection string sets them.  SIGINT and SIGTERM end it after the
 *	  current line, which is acknowledged with those before it; they also end
 *	  a wait for a server that does not answer (a batch printed and not yet
 *	  acknowledged then comes again).  A closed standard output ends it with
 *	  status 2.
 *
 *	  Exit status: 0 when stopped by a signal or after --once; 1 on a usage
 *	  error; 2 when the start-up fails (connection, subscribe, LISTEN or the
 *	  first drain, e.g. the extension is not installed), on any error with
 *	  --once, or when standard output cannot be written.
 *
 *	  This file holds main; the other files of the program and what they
 *	  hold are listed in listen.h.
 */
#include "listen.h"

/* Runs the consumer: see the comment at the top of the file. */
int
main(int argc, char **argv)
{
	PGconn	   *conn = NULL;
	Step		step;
	int			status = 0;

	parse_options(argc, argv);
	setup_signals();

	step = start_session(&conn, true);
	if (step == STEP_LOST || step == STEP_OUTPUT)
	{
		PQfinish(conn);
		return EXIT_TROUBLE;
	}
	while (step == STEP_OK && !opts.once)
	{
		step = wait_for_bell(conn);
		if (step == STEP_OK)
			step = drain(conn);
		if (step == STEP_LOST)
			step = reconnect(&conn);
	}
	if (step == STEP_OUTPUT)
		status = EXIT_TROUBLE;
	close_bell_nodes();
	PQfinish(conn);
	close_signal_pipe();
	return status;
}
