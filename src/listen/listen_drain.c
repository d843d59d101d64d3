/*
 * listen_drain.c
 *	  ordertrack-listen's drain: ordertrack.poll() until it returns nothing,
 *	  each event printed as one JSON line on standard output, the batch
 *	  flushed and only then acknowledged with ordertrack.ack(); the batch
 *	  size, fixed by --max or else growing while polls come back full.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "listen.h"

/* After a stop request, how long the acknowledgement of printed lines may take. */
#define ACK_GRACE_MS 5000

static const char *const poll_sql =
"SELECT e.event_id, e.topic, e.kind, e.order_id, e.shop, e.payload, "
"pg_catalog.to_json(e.created_at) AS created_at "
"FROM ordertrack.poll($1, $2) AS e";

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
Step
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
