/*
 * listen_options.c
 *	  ordertrack-listen's command line: the options read into opts, the
 *	  topics of --topics checked against the known ones, a connection
 *	  string checked before any connection is made, and the usage printed
 *	  for --help and with every usage error (exit status 1).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "listen.h"

const char *const topic_names[] = {
	"intake", "alerts", "warehouse", "production", "logistics", "customer", "tracking"
};
_Static_assert(sizeof(topic_names) / sizeof(topic_names[0]) == NUM_TOPICS,
			   "NUM_TOPICS is the number of topic_names");

Options		opts;

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
void
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
