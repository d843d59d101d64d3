/*
 * listen_wait.c
 *	  ordertrack-listen's waiting: SIGINT and SIGTERM, which set
 *	  stop_requested and wake any poll() through a self-pipe; LISTEN on the
 *	  channels of its topics; the wait for a bell (a notification on the
 *	  connection or on another node's), a stop request or --interval; and
 *	  after a lost connection, reconnecting after 1, 2, 4, ... up to 30
 *	  seconds.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "listen.h"

/* The longest wait between two attempts to reconnect. */
#define MAX_BACKOFF_SECONDS 30

volatile sig_atomic_t stop_requested = 0;
int			signal_pipe[2] = {-1, -1};

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
void
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

/* Closes the self-pipe of the signal handler. */
void
close_signal_pipe(void)
{
	close(signal_pipe[0]);
	close(signal_pipe[1]);
}

/* LISTENs on the channel of each of its topics (all without --topics). */
Step
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

/*
 * Waits for a notification, a stop request or the interval: STEP_OK when it
 * is time to drain, STEP_STOP, or STEP_LOST when the connection broke.
 */
Step
wait_for_bell(PGconn *conn)
{
	struct pollfd fds[2 + MAX_BELL_NODES];
	int			nfds;
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
	nfds = 2 + bell_node_sockets(&fds[2]);
	rc = poll(fds, nfds, opts.interval_ms);
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

/*
 * After a lost connection: closes it, then connects and starts a session
 * again (see start_session) after 1, 2, 4, ... up to MAX_BACKOFF_SECONDS
 * seconds, until that no longer loses the connection.  Returns what the
 * session's start ended with: STEP_OK, STEP_STOP (also when a stop request
 * came during a wait) or STEP_OUTPUT.
 */
Step
reconnect(PGconn **connp)
{
	Step		step = STEP_LOST;
	int			backoff = 1;

	while (step == STEP_LOST)
	{
		PQfinish(*connp);
		*connp = NULL;
		fprintf(stderr, PROGNAME ": reconnecting in %d s\n", backoff);
		if (!sleep_unless_stopped(backoff))
			return STEP_STOP;
		backoff = backoff * 2 > MAX_BACKOFF_SECONDS ? MAX_BACKOFF_SECONDS : backoff * 2;
		step = start_session(connp, false);
		if (step == STEP_OK)
			fprintf(stderr, PROGNAME ": reconnected\n");
	}
	return step;
}
