/*
 * deadlines.c
 *	  The settings of the deadlines that ordertrack.sweep() watches
 *	  (src/sql/deadlines.sql): how long an order may stay unpaid, how fast
 *	  it must be picked and packed, how long a parcel may go without a scan;
 *	  and of the carriers' scorecards that the sweep refreshes and
 *	  choose_carrier reads.  sweep_settings() hands them over typed, and
 *	  loads the library in a session that has not used it yet (a pg_cron
 *	  job's).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

#include "deadlines.h"

PG_FUNCTION_INFO_V1(sweep_settings);

static int	payment_timeout = 30;	/* minutes, as every time setting here */
static int	payment_hold = 24 * 60;
static int	payment_cancel_after = 0;
static int	pick_deadline = 5 * 60;
static double pick_done_share = 0.6;
static double pick_grace = 0.1;
static int	transit_stall = 48 * 60;
static int	scorecard_window = 30 * 24 * 60;
static int	scorecard_refresh = 10;
static double min_on_time_rate = 0.9;
static int	min_scorecard_sample = 20;

/* A setting in minutes as an interval. */
static Datum
minutes(int m)
{
	Interval   *i = palloc0(sizeof(Interval));

	i->time = (int64) m * USECS_PER_MINUTE;
	return IntervalPGetDatum(i);
}

/* The deadline and scorecard settings, typed: NULL for a setting that is off. */
Datum
sweep_settings(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	Datum		values[11];
	bool		nulls[11];

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "sweep_settings must return a composite type");
	memset(nulls, 0, sizeof(nulls));
	values[0] = minutes(payment_timeout);
	values[1] = minutes(payment_hold);
	values[2] = minutes(payment_cancel_after);
	nulls[2] = payment_cancel_after == 0;
	values[3] = minutes(pick_deadline);
	values[4] = Float8GetDatum(pick_done_share);
	values[5] = Float8GetDatum(pick_grace);
	values[6] = minutes(transit_stall);
	values[7] = minutes(scorecard_window);
	values[8] = minutes(scorecard_refresh);
	values[9] = Float8GetDatum(min_on_time_rate);
	values[10] = Int32GetDatum(min_scorecard_sample);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}

void
DeadlinesInit(void)
{
	DefineCustomIntVariable("ordertrack.payment_timeout",
							"An order unpaid (not cash on delivery) this long gets payment_overdue and a reminder.",
							NULL, &payment_timeout, 30, 1, 100 * 24 * 60, PGC_USERSET, GUC_UNIT_MIN,
							NULL, NULL, NULL);
	DefineCustomIntVariable("ordertrack.payment_hold",
							"How long the payment reminder says the items are held, from the order's time.",
							"When ordertrack.payment_cancel_after is set, the reminder says that instead.",
							&payment_hold, 24 * 60, 1, 100 * 24 * 60, PGC_USERSET, GUC_UNIT_MIN,
							NULL, NULL, NULL);
	DefineCustomIntVariable("ordertrack.payment_cancel_after",
							"An order unpaid this long is cancelled by the sweep; 0 (the default) never.",
							NULL, &payment_cancel_after, 0, 0, 100 * 24 * 60, PGC_USERSET, GUC_UNIT_MIN,
							NULL, NULL, NULL);
	DefineCustomIntVariable("ordertrack.pick_deadline",
							"An order must be packed this long after it was confirmed, or it gets pick_overdue.",
							NULL, &pick_deadline, 5 * 60, 1, 100 * 24 * 60, PGC_USERSET, GUC_UNIT_MIN,
							NULL, NULL, NULL);
	DefineCustomRealVariable("ordertrack.pick_done_share",
							 "Share of the pick deadline by which all lines should be picked (the rest is for packing).",
							 "Picking is expected to progress evenly from confirmation to this point.",
							 &pick_done_share, 0.6, 0.05, 1.0, PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomRealVariable("ordertrack.pick_grace",
							 "How far picking may trail the expected progress before pick_behind_schedule.",
							 "A share of the order's units: 0.1 means ten points behind the pace.",
							 &pick_grace, 0.1, 0.0, 1.0, PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("ordertrack.transit_stall",
							"A parcel in transit with no scan this long gets transit_stalled.",
							NULL, &transit_stall, 48 * 60, 1, 100 * 24 * 60, PGC_USERSET, GUC_UNIT_MIN,
							NULL, NULL, NULL);
	DefineCustomIntVariable("ordertrack.scorecard_window",
							"The carriers' scorecards count the parcels collected this long before.",
							NULL, &scorecard_window, 30 * 24 * 60, 60, 366 * 24 * 60, PGC_USERSET, GUC_UNIT_MIN,
							NULL, NULL, NULL);
	DefineCustomIntVariable("ordertrack.scorecard_refresh",
							"The sweep computes the scorecards again when they are older than this.",
							NULL, &scorecard_refresh, 10, 1, 7 * 24 * 60, PGC_USERSET, GUC_UNIT_MIN,
							NULL, NULL, NULL);
	DefineCustomRealVariable("ordertrack.min_on_time_rate",
							 "choose_carrier passes over a carrier whose on-time rate in the order's province is lower.",
							 "Only over at least ordertrack.min_scorecard_sample judged parcels.",
							 &min_on_time_rate, 0.9, 0.0, 1.0, PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("ordertrack.min_scorecard_sample",
							"How many judged parcels a carrier's scorecard in a province needs before it can pass the carrier over.",
							NULL, &min_scorecard_sample, 20, 1, 1000000, PGC_USERSET, 0,
							NULL, NULL, NULL);
}
