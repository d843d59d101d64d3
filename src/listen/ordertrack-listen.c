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
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libpq-fe.h"

#define PROGNAME "ordertrack-listen"

#define EXIT_USAGE 1
#define EXIT_TROUBLE 2

#define MAX_BACKOFF_SECONDS 30

/* After a stop request, how long the acknowledgement of printed lines may take. */
#define ACK_GRACE_MS 5000

static const char *const topic_names[] = {
	"intake", "alerts", "warehouse", "production", "logistics", "customer", "tracking"
};
#define NUM_TOPICS ((int) (sizeof(topic_names) / sizeof(topic_names[0])))

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

static Options opts;

/* Set by SIGINT/SIGTERM; the handler also writes to the pipe to wake poll(). */
static volatile sig_atomic_t stop_requested = 0;
static int	signal_pipe[2] = {-1, -1};

/*
 * On a Citus cluster, a connection to each other node, only to hear its
 * bells (a node that cannot be reached is left to --interval).
 */
#define MAX_BELL_NODES 64
static PGconn *bell_conns[MAX_BELL_NODES];
static int	n_bell_conns = 0;

static const char *const nodes_sql =
"SELECT n.nodename, n.nodeport::text FROM pg_catalog.pg_dist_node n "
"WHERE n.isactive AND n.noderole = 'primary' "
"AND n.groupid <> (SELECT l.groupid FROM pg_catalog.pg_dist_local_group l) "
"ORDER BY n.groupid";

static const char *const poll_sql =
"SELECT e.event_id, e.topic, e.kind, e.order_id, e.shop, e.payload, "
"pg_catalog.to_json(e.created_at) AS created_at "
"FROM ordertrack.poll($1, $2) AS e";

/* Prints how to call the program. */
static void
usage(FILE *out)
{
	fprintf(out,
			"Usage: " PROGNAME " --consumer NAME [--topics T1,T2,...] [--max N]\n"
			"                         [--interval SECONDS] [--once] [CONNINFO]\n"
			"\n"
			"Prints each event of the ordertrack outbox as one JSON line, then acknowledges it.\n"
			"\n"
			"  -c, --consumer NAME      the consumer whose position is kept in ordertrack.consumers\n"
			"  -t, --topics LIST        subscribe it to these topics (comma-separated): intake,\n"
			"                           alerts, warehouse, production, logistics, customer, tracking;\n"
			"                           without: it keeps its subscription (or gets every topic)\n"
			"  -m, --max N              events per poll (default: 100, doubling up to 10000\n"
			"                           while polls come back full)\n"
			"  -i, --interval SECONDS   poll at least this often, bell or not (default 5)\n"
			"  -1, --once               print what is there now, then exit\n"
			"  -h, --help               show this help\n"
			"\n"
			"CONNINFO is a connection string, URI or database name; without it the PG*\n"
			"environment variables apply, as with psql.\n"
			"Exit status: 0 stopped by SIGINT/SIGTERM or done (--once), 1 usage error,\n"
			"2 error at start-up (or any error with --once).\n");
}

/* Reports a usage error with the usage, and exits 1. */
static void
usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, PROGNAME ": ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	usage(stderr);
	exit(EXIT_USAGE);
}

/* Records the topics of a comma-separated list; exits on an unknown one. */
static void
parse_topics(const char *list)
{
	const char *p = list;

	opts.topics_given = true;
	memset(opts.topic_chosen, 0, sizeof(opts.topic_chosen));
	for (;;)
	{
		size_t		len = strcspn(p, ",");
		char		name[64];
		int			i;

		while (len > 0 && (*p == ' ' || *p == '\t'))
			p++, len--;
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len == 0)
			usage_error("empty topic name in --topics \"%s\"", list);
		if (len >= sizeof(name))
			len = sizeof(name) - 1;
		memcpy(name, p, len);
		name[len] = '\0';
		for (i = 0; i < NUM_TOPICS; i++)
			if (strcmp(name, topic_names[i]) == 0)
				break;
		if (i == NUM_TOPICS)
			usage_error("unknown topic \"%s\" (topics are intake, alerts, warehouse, production, "
						"logistics, customer and tracking)", name);
		opts.topic_chosen[i] = true;
		p += strcspn(p, ",");
		if (*p == '\0')
			break;
		p++;
	}
	opts.topics_csv[0] = '\0';
	for (int i = 0; i < NUM_TOPICS; i++)
		if (opts.topic_chosen[i])
		{
			if (opts.topics_csv[0] != '\0')
				strcat(opts.topics_csv, ",");
			strcat(opts.topics_csv, topic_names[i]);
		}
}

/* Reads the command line into opts; exits 1 on a usage error. */
static void
parse_options(int argc, char **argv)
{
	static const struct option long_options[] = {
		{"consumer", required_argument, NULL, 'c'},
		{"topics", required_argument, NULL, 't'},
		{"max", required_argument, NULL, 'm'},
		{"interval", required_argument, NULL, 'i'},
		{"once", no_argument, NULL, '1'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	int			c;
	char	   *end;
	long		max;
	double		interval;

	opts.consumer = NULL;
	opts.topics_given = false;
	opts.max = 0;
	opts.interval_ms = 5000;
	opts.once = false;
	opts.conninfo = NULL;

	while ((c = getopt_long(argc, argv, "c:t:m:i:1h", long_options, NULL)) != -1)
	{
		switch (c)
		{
			case 'c':
				opts.consumer = optarg;
				break;
			case 't':
				parse_topics(optarg);
				break;
			case 'm':
				errno = 0;
				max = strtol(optarg, &end, 10);
				if (errno != 0 || end == optarg || *end != '\0' || max < 1 || max > 1000000)
					usage_error("--max must be a whole number from 1 to 1000000, not \"%s\"", optarg);
				opts.max = max;
				break;
			case 'i':
				errno = 0;
				interval = strtod(optarg, &end);
				if (errno != 0 || end == optarg || *end != '\0' || !isfinite(interval) ||
					interval < 0.001 || interval > 86400)
					usage_error("--interval must be a number of seconds from 0.001 to 86400, not \"%s\"",
								optarg);
				opts.interval_ms = (int) (interval * 1000 + 0.5);
				break;
			case '1':
				opts.once = true;
				break;
			case 'h':
				usage(stdout);
				exit(0);
			default:
				/* getopt has said what is wrong */
				usage(stderr);
				exit(EXIT_USAGE);
		}
	}
	if (opts.consumer == NULL)
		usage_error("%s", "--consumer is required");
	if (opts.consumer[0] == '\0')
		usage_error("%s", "the consumer name must not be empty");
	if (optind < argc)
		opts.conninfo = argv[optind++];
	if (optind < argc)
		usage_error("too many arguments, starting with \"%s\"", argv[optind]);
	if (opts.conninfo != NULL &&
		(strchr(opts.conninfo, '=') != NULL || strncmp(opts.conninfo, "postgres://", 11) == 0 ||
		 strncmp(opts.conninfo, "postgresql://", 13) == 0))
	{
		char	   *err = NULL;
		PQconninfoOption *parsed = PQconninfoParse(opts.conninfo, &err);

		if (parsed == NULL)
		{
			char		msg[512];

			snprintf(msg, sizeof(msg), "%s", err != NULL ? err : "out of memory");
			PQfreemem(err);
			msg[strcspn(msg, "\n")] = '\0';
			usage_error("invalid connection string: %s", msg);
		}
		PQconninfoFree(parsed);
	}
}

/* Asks the main loop to stop, and wakes it if it waits. */
static void
handle_stop_signal(int signo)
{
	int			save_errno = errno;
	ssize_t		rc;

	(void) signo;
	stop_requested = 1;
	rc = write(signal_pipe[1], "x", 1);
	(void) rc;
	errno = save_errno;
}

/* Installs the SIGINT/SIGTERM handler and its self-pipe. */
static void
setup_signals(void)
{
	struct sigaction sa;

	if (pipe(signal_pipe) != 0)
	{
		fprintf(stderr, PROGNAME ": could not create a pipe: %s\n", strerror(errno));
		exit(EXIT_TROUBLE);
	}
	for (int i = 0; i < 2; i++)
	{
		fcntl(signal_pipe[i], F_SETFL, fcntl(signal_pipe[i], F_GETFL) | O_NONBLOCK);
		fcntl(signal_pipe[i], F_SETFD, FD_CLOEXEC);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handle_stop_signal;
	sigemptyset(&sa.sa_mask);
	/* writes to a slow pipe go on; poll() wakes through the pipe anyway */
	sa.sa_flags = SA_RESTART;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* a closed standard output is an error to report (status 2), not a signal to die of */
	signal(SIGPIPE, SIG_IGN);
}

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
static PGconn *
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
static void
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
static PGresult *
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
static Step
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

/* LISTENs on the channel of each of its topics (all without --topics). */
static Step
listen_topics(PGconn *conn)
{
	for (int i = 0; i < NUM_TOPICS; i++)
	{
		char		channel[64];
		char	   *ident;
		char		sql[128];
		Step		step;

		if (opts.topics_given && !opts.topic_chosen[i])
			continue;
		snprintf(channel, sizeof(channel), "ordertrack_%s", topic_names[i]);
		ident = PQescapeIdentifier(conn, channel, strlen(channel));
		if (ident == NULL)
		{
			fprintf(stderr, PROGNAME ": LISTEN %s failed: %s", channel, PQerrorMessage(conn));
			return STEP_LOST;
		}
		snprintf(sql, sizeof(sql), "LISTEN %s", ident);
		PQfreemem(ident);
		step = run_query(conn, "LISTEN", sql, 0, NULL, PGRES_COMMAND_OK, 0);
		if (step != STEP_OK)
			return step;
	}
	return STEP_OK;
}

/* Closes the connections to the other nodes. */
static void
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
static Step
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
static void
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

/* Writes a string as a JSON string literal (UTF-8 passes through). */
static void
put_json_string(const char *s, FILE *out)
{
	putc('"', out);
	for (const unsigned char *p = (const unsigned char *) s; *p != '\0'; p++)
	{
		switch (*p)
		{
			case '"':
				fputs("\\\"", out);
				break;
			case '\\':
				fputs("\\\\", out);
				break;
			case '\b':
				fputs("\\b", out);
				break;
			case '\f':
				fputs("\\f", out);
				break;
			case '\n':
				fputs("\\n", out);
				break;
			case '\r':
				fputs("\\r", out);
				break;
			case '\t':
				fputs("\\t", out);
				break;
			default:
				if (*p < 0x20)
					fprintf(out, "\\u%04x", *p);
				else
					putc(*p, out);
		}
	}
	putc('"', out);
}

/* Prints row i of a poll() result as one JSON line. */
static void
put_event(const PGresult *res, int i, FILE *out)
{
	fprintf(out, "{\"event_id\": %s, \"topic\": ", PQgetvalue(res, i, 0));
	put_json_string(PQgetvalue(res, i, 1), out);
	fputs(", \"kind\": ", out);
	put_json_string(PQgetvalue(res, i, 2), out);
	fprintf(out, ", \"order_id\": %s, \"shop\": ",
			PQgetisnull(res, i, 3) ? "null" : PQgetvalue(res, i, 3));
	put_json_string(PQgetvalue(res, i, 4), out);
	/* created_at comes as a JSON string, payload as JSON: both go in as they are */
	fprintf(out, ", \"created_at\": %s, \"payload\": %s}\n",
			PQgetvalue(res, i, 6), PQgetisnull(res, i, 5) ? "null" : PQgetvalue(res, i, 5));
}

/* Without --max: the first batch, and the largest (see drain). */
#define BATCH_FIRST 100
#define BATCH_MOST 10000

/*
 * Polls until there is nothing more: prints each batch, flushes it, then
 * acknowledges its last event.  On a stop request it ends after the current
 * line, acknowledging what it printed.
 */
static Step
drain(PGconn *conn)
{
	long		batch = opts.max > 0 ? opts.max : BATCH_FIRST;

	for (;;)
	{
		char		max_text[24];
		const char *params[2] = {opts.consumer, max_text};
		PGresult   *res;
		int			n;
		int			printed = 0;
		long long	last = 0;
		char		last_text[32];
		const char *ack_params[2];
		bool		stopped;
		Step		step;

		/* bells that came before this poll are answered by it */
		discard_bells(conn);
		snprintf(max_text, sizeof(max_text), "%ld", batch);
		res = exec_query(conn, poll_sql, 2, params, 0, &stopped);
		if (stopped)
			return STEP_STOP;
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
		{
			report_result_error("poll", conn, res);
			PQclear(res);
			return STEP_LOST;
		}
		n = PQntuples(res);
		if (opts.max == 0)
			batch = n < batch ? BATCH_FIRST : (batch * 2 > BATCH_MOST ? BATCH_MOST : batch * 2);
		for (int i = 0; i < n; i++)
		{
			long long	id = strtoll(PQgetvalue(res, i, 0), NULL, 10);

			put_event(res, i, stdout);
			printed++;
			/* the last handed out (on Citus ids are not in order across nodes) */
			last = id;
			if (stop_requested)
				break;
		}
		PQclear(res);
		if (printed == 0)
			return stop_requested ? STEP_STOP : STEP_OK;
		if (fflush(stdout) != 0 || ferror(stdout))
		{
			fprintf(stderr, PROGNAME ": could not write to standard output: %s\n", strerror(errno));
			return STEP_OUTPUT;
		}
		snprintf(last_text, sizeof(last_text), "%lld", last);
		ack_params[0] = opts.consumer;
		ack_params[1] = last_text;
		/* printed lines are acknowledged even after a stop request, if the server answers */
		step = run_query(conn, "ack", "SELECT ordertrack.ack($1, $2)", 2, ack_params, PGRES_TUPLES_OK,
						 ACK_GRACE_MS);
		if (step != STEP_OK)
			return step;
		if (stop_requested)
			return STEP_STOP;
	}
}

/*
 * Waits for a notification, a stop request or the interval: STEP_OK when it
 * is time to drain, STEP_STOP, or STEP_LOST when the connection broke.
 */
static Step
wait_for_bell(PGconn *conn)
{
	struct pollfd fds[2 + MAX_BELL_NODES];
	int			rc;
	PGnotify   *n;

	if (stop_requested)
		return STEP_STOP;
	/* a notification may have come with the last query's answer */
	if (!PQconsumeInput(conn))
	{
		fprintf(stderr, PROGNAME ": connection lost: %s", PQerrorMessage(conn));
		return STEP_LOST;
	}
	if ((n = PQnotifies(conn)) != NULL)
	{
		PQfreemem(n);
		return STEP_OK;
	}
	fds[0].fd = PQsocket(conn);
	fds[0].events = POLLIN;
	fds[0].revents = 0;
	fds[1].fd = signal_pipe[0];
	fds[1].events = POLLIN;
	fds[1].revents = 0;
	if (fds[0].fd < 0)
	{
		fprintf(stderr, PROGNAME ": connection lost: %s", PQerrorMessage(conn));
		return STEP_LOST;
	}
	for (int i = 0; i < n_bell_conns; i++)
	{
		fds[2 + i].fd = PQsocket(bell_conns[i]);
		fds[2 + i].events = POLLIN;
		fds[2 + i].revents = 0;
	}
	rc = poll(fds, 2 + n_bell_conns, opts.interval_ms);
	if (stop_requested)
		return STEP_STOP;
	if (rc < 0)
		return errno == EINTR ? STEP_OK : STEP_LOST;
	/* a bell from another node: drain (which reads and frees it) */
	if (rc > 0 && fds[0].revents != 0)
	{
		if (!PQconsumeInput(conn) || PQstatus(conn) != CONNECTION_OK)
		{
			fprintf(stderr, PROGNAME ": connection lost: %s", PQerrorMessage(conn));
			return STEP_LOST;
		}
	}
	return STEP_OK;
}

/* Sleeps for the backoff; false when a stop was requested meanwhile. */
static bool
sleep_unless_stopped(int seconds)
{
	struct pollfd fd = {.fd = signal_pipe[0], .events = POLLIN};

	if (stop_requested)
		return false;
	(void) poll(&fd, 1, seconds * 1000);
	return !stop_requested;
}

/* Connects, listens and drains: the start of every session. */
static Step
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
	/* acknowledgements do not wait for the disk (see the top of the file) */
	if ((step = run_query(conn, "SET", "SET synchronous_commit = off", 0, NULL, PGRES_COMMAND_OK, 0)) != STEP_OK)
		return step;
	if (first && opts.topics_given && (step = subscribe(conn)) != STEP_OK)
		return step;
	/* LISTEN before draining: what commits during the drain rings the bell */
	if (!opts.once && ((step = listen_topics(conn)) != STEP_OK || (step = listen_bell_nodes(conn)) != STEP_OK))
		return step;
	return drain(conn);
}

/* Runs the consumer: see the comment at the top of the file. */
int
main(int argc, char **argv)
{
	PGconn	   *conn = NULL;
	Step		step;
	int			backoff = 1;
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
		while (step == STEP_LOST)
		{
			PQfinish(conn);
			conn = NULL;
			fprintf(stderr, PROGNAME ": reconnecting in %d s\n", backoff);
			if (!sleep_unless_stopped(backoff))
			{
				step = STEP_STOP;
				break;
			}
			backoff = backoff * 2 > MAX_BACKOFF_SECONDS ? MAX_BACKOFF_SECONDS : backoff * 2;
			step = start_session(&conn, false);
			if (step == STEP_OK)
			{
				fprintf(stderr, PROGNAME ": reconnected\n");
				backoff = 1;
			}
		}
	}
	if (step == STEP_OUTPUT)
		status = EXIT_TROUBLE;
	close_bell_nodes();
	PQfinish(conn);
	close(signal_pipe[0]);
	close(signal_pipe[1]);
	return status;
}
