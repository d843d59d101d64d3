/*
 * listen.h
 *	  What the files of ordertrack-listen share: its name and exit statuses,
 *	  the topics, the command line, what a step ended with, the stop
 *	  request, and each file's functions.
 *
 *	  ordertrack-listen.c		main: the session and its loop
 *	  listen_options.c			the command line and the usage
 *	  listen_conn.c				connections, queries, the start of a session
 *								and the Citus nodes' bells
 *	  listen_drain.c			poll, print as JSON lines, ack
 *	  listen_wait.c				the stop signals, LISTEN, the wait for a bell
 *								and reconnecting with backoff
 */
#ifndef ORDERTRACK_LISTEN_H
#define ORDERTRACK_LISTEN_H

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "libpq-fe.h"

#define PROGNAME "ordertrack-listen"

#define EXIT_USAGE 1
#define EXIT_TROUBLE 2

/* The topics, and a channel ordertrack_<topic> for each (listen_options.c). */
#define NUM_TOPICS 7
extern const char *const topic_names[];

/* On a Citus cluster, the most other nodes it listens on. */
#define MAX_BELL_NODES 64

/* What a drain or a wait ended with. */
typedef enum
{
	STEP_OK,					/* done (drained; or woken by a bell or the timeout) */
	STEP_STOP,					/* a signal asked us to stop */
	STEP_LOST,					/* an error on the connection or in SQL: reconnect */
	STEP_OUTPUT					/* standard output failed: give up */
} Step;

/* The command line. */
typedef struct
{
	const char *consumer;
	bool		topics_given;
	bool		topic_chosen[NUM_TOPICS];
	char		topics_csv[128];	/* the chosen topics, comma-separated */
	long		max;			/* --max; 0: adaptive (see drain) */
	int			interval_ms;
	bool		once;
	const char *conninfo;
} Options;

extern Options opts;

/* Set by SIGINT/SIGTERM; the handler also writes to the pipe to wake poll(). */
extern volatile sig_atomic_t stop_requested;
extern int	signal_pipe[2];

/* listen_options.c */
extern void parse_options(int argc, char **argv);

/* listen_conn.c */
extern PGconn *connect_db(const char *host, const char *port);
extern void report_result_error(const char *what, PGconn *conn, const PGresult *res);
extern PGresult *exec_query(PGconn *conn, const char *sql, int nparams, const char *const *params,
							int grace_ms, bool *stopped);
extern Step run_query(PGconn *conn, const char *what, const char *sql, int nparams,
					  const char *const *params, ExecStatusType expected, int grace_ms);
extern Step start_session(PGconn **connp, bool first);
extern Step listen_bell_nodes(PGconn *conn);
extern int	bell_node_sockets(struct pollfd *fds);
extern void discard_bells(PGconn *conn);
extern void close_bell_nodes(void);

/* listen_drain.c */
extern Step drain(PGconn *conn);

/* listen_wait.c */
extern void setup_signals(void);
extern void close_signal_pipe(void);
extern Step listen_topics(PGconn *conn);
extern Step wait_for_bell(PGconn *conn);
extern Step reconnect(PGconn **connp);

#endif							/* ORDERTRACK_LISTEN_H */
