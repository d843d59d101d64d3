/*
 * listen_conn.c
 *	  ordertrack-listen's connections: opening one (with keepalives and a
 *	  user timeout unless the connection string sets them), running a query
 *	  that a stop request can interrupt, the start of a session (SET,
 *	  subscribe, LISTEN, the first drain), and on a Citus coordinator a
 *	  connection to each other node only to hear its bells.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "listen.h"

/*
 * On a Citus cluster, a connection to each other node, only to hear its
 * bells (a node that cannot be reached is left to --interval).
 */
static PGconn *bell_conns[MAX_BELL_NODES];
static int	n_bell_conns = 0;

static const char *const nodes_sql =
"SELECT n.nodename, n.nodeport::text FROM pg_catalog.pg_dist_node n "
"WHERE n.isactive AND n.noderole = 'primary' "
"AND n.groupid <> (SELECT l.groupid FROM pg_catalog.pg_dist_local_group l) "
"ORDER BY n.groupid";

/* Prints the server's notices and warnings on stderr, with our name. */
static void
print_notice(void *arg, const char *message)
{
	(void) arg;
	fprintf(stderr, PROGNAME ": %s", message);
}

/*
 * Opens a connection (which may have failed: check PQstatus); with a host
 * and port, to that server with the other options of the connection
 * string.
 */
PGconn *
connect_db(const char *host, const char *port)
{
	/*
	 * Entries before dbname are defaults that the connection string may
	 * change; later entries win over it.  connect_timeout only when
	 * PGCONNECT_TIMEOUT does not set it (an explicit entry would win over
	 * the environment).
	 */
	const char *const keywords[] = {"keepalives", "keepalives_idle", "keepalives_interval",
		"keepalives_count", "tcp_user_timeout", "connect_timeout",
	"dbname", "fallback_application_name", "client_encoding", NULL};
	const char *const values[] = {"1", "30", "10", "3", "60000", "10",
	opts.conninfo, PROGNAME, "UTF8", NULL};
	int			skip = getenv("PGCONNECT_TIMEOUT") != NULL ? 1 : 0;
	const char *kw[13];
	const char *val[13];
	int			n = 0;
	PGconn	   *conn;

	for (int i = 0; keywords[i] != NULL; i++)
	{
		if (skip && strcmp(keywords[i], "connect_timeout") == 0)
			continue;
		kw[n] = keywords[i];
		val[n++] = values[i];
	}
	if (host != NULL)
	{
		/* after dbname: these win over the connection string's */
		kw[n] = "host";
		val[n++] = host;
		kw[n] = "hostaddr";
		val[n++] = "";
		kw[n] = "port";
		val[n++] = port;
	}
	kw[n] = NULL;
	val[n] = NULL;
	conn = PQconnectdbParams(kw, val, 1);

	if (conn != NULL)
		PQsetNoticeProcessor(conn, print_notice, NULL);
	return conn;
}

/* Reports an error of a query, naming what we tried. */
void
report_result_error(const char *what, PGconn *conn, const PGresult *res)
{
	const char *msg = res != NULL ? PQresultErrorMessage(res) : "";

	if (msg[0] == '\0')
		msg = PQerrorMessage(conn);
	fprintf(stderr, PROGNAME ": %s failed: %s%s", what, msg,
			msg[0] == '\0' || msg[strlen(msg) - 1] != '\n' ? "\n" : "");
}

/*
 * Runs a parameterised query without blocking in libpq: it waits for the
 * answer on the connection's socket and on the signal pipe, so that SIGINT
 * and SIGTERM end a wait for a server that does not answer.  After a stop
 * request it waits grace_ms more, then gives up.  Returns the last result
 * (NULL when the connection failed: PQerrorMessage says why), and sets
 * *stopped when it gave up because of a stop request.
 */
PGresult *
exec_query(PGconn *conn, const char *sql, int nparams, const char *const *params, int grace_ms,
		   bool *stopped)
{
	PGresult   *last = NULL;
	int			waited_ms = 0;

	*stopped = false;
	if (!PQsendQueryParams(conn, sql, nparams, NULL, params, NULL, NULL, 0))
		return NULL;
	for (;;)
	{
		PGresult   *res;

		while (PQisBusy(conn))
		{
			struct pollfd fds[2] = {
				{.fd = PQsocket(conn), .events = POLLIN},
				{.fd = signal_pipe[0], .events = POLLIN}
			};
			int			rc;

			if (stop_requested && waited_ms >= grace_ms)
			{
				PQclear(last);
				*stopped = true;
				return NULL;
			}
			rc = poll(fds, stop_requested ? 1 : 2, stop_requested ? 100 : -1);
			if (stop_requested)
				waited_ms += 100;
			if (rc < 0 && errno != EINTR)
			{
				PQclear(last);
				return NULL;
			}
			if (rc > 0 && fds[0].revents != 0 && !PQconsumeInput(conn))
			{
				PQclear(last);
				return NULL;
			}
		}
		res = PQgetResult(conn);
		if (res == NULL)
			return last;
		PQclear(last);
		last = res;
	}
}

/* Runs a parameterised query: STEP_OK, STEP_LOST (reported) or STEP_STOP. */
Step
run_query(PGconn *conn, const char *what, const char *sql, int nparams, const char *const *params,
		  ExecStatusType expected, int grace_ms)
{
	bool		stopped;
	PGresult   *res = exec_query(conn, sql, nparams, params, grace_ms, &stopped);
	bool		ok = PQresultStatus(res) == expected;

	if (stopped)
		return STEP_STOP;
	if (!ok)
		report_result_error(what, conn, res);
	PQclear(res);
	return ok ? STEP_OK : STEP_LOST;
}

/* Subscribes the consumer to its topics. */
static Step
subscribe(PGconn *conn)
{
	const char *params[2] = {opts.consumer, opts.topics_csv};

	return run_query(conn, "subscribe",
					 "SELECT ordertrack.subscribe($1, pg_catalog.string_to_array($2, ','))",
					 2, params, PGRES_TUPLES_OK, 0);
}

/* Connects, listens and drains: the start of every session. */
Step
start_session(PGconn **connp, bool first)
{
	PGconn	   *conn = connect_db(NULL, NULL);
	Step		step;

	*connp = conn;
	if (conn == NULL)
	{
		fprintf(stderr, PROGNAME ": could not connect: out of memory\n");
		return STEP_LOST;
	}
	if (PQstatus(conn) != CONNECTION_OK)
	{
		fprintf(stderr, PROGNAME ": could not connect: %s", PQerrorMessage(conn));
		return STEP_LOST;
	}
	/* acknowledgements do not wait for the disk (see ordertrack-listen.c) */
	if ((step = run_query(conn, "SET", "SET synchronous_commit = off", 0, NULL, PGRES_COMMAND_OK, 0)) != STEP_OK)
		return step;
	if (first && opts.topics_given && (step = subscribe(conn)) != STEP_OK)
		return step;
	/* LISTEN before draining: what commits during the drain rings the bell */
	if (!opts.once && ((step = listen_topics(conn)) != STEP_OK || (step = listen_bell_nodes(conn)) != STEP_OK))
		return step;
	return drain(conn);
}

/* Closes the connections to the other nodes. */
void
close_bell_nodes(void)
{
	for (int i = 0; i < n_bell_conns; i++)
		PQfinish(bell_conns[i]);
	n_bell_conns = 0;
}

/*
 * On a Citus coordinator, listens on every other node too.  A node that
 * cannot be reached is reported and left out; so is every node when its
 * list cannot be read.
 */
Step
listen_bell_nodes(PGconn *conn)
{
	bool		stopped;
	PGresult   *res;

	close_bell_nodes();
	res = exec_query(conn, "SELECT pg_catalog.to_regclass('pg_catalog.pg_dist_node') IS NOT NULL "
					 "AND pg_catalog.to_regclass('pg_catalog.pg_dist_local_group') IS NOT NULL",
					 0, NULL, 0, &stopped);
	if (stopped)
	{
		PQclear(res);
		return STEP_STOP;
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		report_result_error("looking for Citus", conn, res);
		PQclear(res);
		return STEP_LOST;
	}
	if (strcmp(PQgetvalue(res, 0, 0), "t") != 0)
	{
		PQclear(res);
		return STEP_OK;
	}
	PQclear(res);
	res = exec_query(conn, nodes_sql, 0, NULL, 0, &stopped);
	if (stopped)
	{
		PQclear(res);
		return STEP_STOP;
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		/* e.g. a role that may not read Citus's catalogue: the interval will do */
		report_result_error("reading the Citus nodes to listen on", conn, res);
		PQclear(res);
		return STEP_OK;
	}
	for (int i = 0; i < PQntuples(res) && n_bell_conns < MAX_BELL_NODES; i++)
	{
		PGconn	   *node = connect_db(PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
		Step		step;

		if (node == NULL || PQstatus(node) != CONNECTION_OK)
		{
			fprintf(stderr, PROGNAME ": could not listen on node %s:%s: %s", PQgetvalue(res, i, 0),
					PQgetvalue(res, i, 1), node != NULL ? PQerrorMessage(node) : "out of memory\n");
			PQfinish(node);
			continue;
		}
		step = listen_topics(node);
		if (step == STEP_STOP)
		{
			PQfinish(node);
			PQclear(res);
			return step;
		}
		if (step != STEP_OK)
		{
			PQfinish(node);
			continue;
		}
		bell_conns[n_bell_conns++] = node;
	}
	if (PQntuples(res) > MAX_BELL_NODES)
		fprintf(stderr, PROGNAME ": listening on %d of %d other nodes\n", MAX_BELL_NODES, PQntuples(res));
	PQclear(res);
	return STEP_OK;
}

/*
 * Frees the notifications libpq has received, on the connection and the
 * other nodes': each is only a bell.  A node's connection that broke is
 * closed (the interval covers it until the next reconnection).
 */
void
discard_bells(PGconn *conn)
{
	PGnotify   *n;

	while ((n = PQnotifies(conn)) != NULL)
		PQfreemem(n);
	for (int i = 0; i < n_bell_conns; i++)
	{
		if (!PQconsumeInput(bell_conns[i]) || PQstatus(bell_conns[i]) != CONNECTION_OK)
		{
			fprintf(stderr, PROGNAME ": lost a node's bell: %s", PQerrorMessage(bell_conns[i]));
			PQfinish(bell_conns[i]);
			n_bell_conns--;
			bell_conns[i] = bell_conns[n_bell_conns];
			i--;
			continue;
		}
		while ((n = PQnotifies(bell_conns[i])) != NULL)
			PQfreemem(n);
	}
}

/*
 * Fills fds with the other nodes' sockets, to wait on with poll(), and
 * returns how many there are (at most MAX_BELL_NODES).
 */
int
bell_node_sockets(struct pollfd *fds)
{
	for (int i = 0; i < n_bell_conns; i++)
	{
		fds[i].fd = PQsocket(bell_conns[i]);
		fds[i].events = POLLIN;
		fds[i].revents = 0;
	}
	return n_bell_conns;
}
