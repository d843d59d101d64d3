/*
 * events.c
 *	  The outbox's live push.  Every event is a row of ordertrack.events,
 *	  written in the transaction of the change it reports; consumers read
 *	  them with poll() and ack().  NOTIFY on channel ordertrack_<topic> only
 *	  rings the bell, in one of two modes (setting ordertrack.notify):
 *
 *	  commit	  the writing transaction notifies, once per channel: the
 *				  payload names the first event it wrote on that topic.
 *				  NOTIFY takes a cluster-wide lock at commit that is held
 *				  through the commit's WAL flush, so notifying transactions
 *				  commit one at a time.
 *	  doorbell	  writers only write; a background worker (registered when
 *				  the library is in shared_preload_libraries) notifies each
 *				  channel that got events since its last look, every
 *				  ordertrack.doorbell_interval.
 *	  off		  no NOTIFY; consumers poll.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "commands/async.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/tuplestore.h"
#include "utils/wait_event.h"

#include "ordertrack.h"

PG_FUNCTION_INFO_V1(event_notify);
PGDLLEXPORT void DoorbellMain(Datum arg);

#define OT_NOTIFY_COMMIT 0
#define OT_NOTIFY_DOORBELL 1
#define OT_NOTIFY_OFF 2

static const struct config_enum_entry notify_modes[] = {
	{"commit", OT_NOTIFY_COMMIT, false},
	{"doorbell", OT_NOTIFY_DOORBELL, false},
	{"off", OT_NOTIFY_OFF, false},
	{NULL, 0, false}
};

static int	ot_notify = OT_NOTIFY_COMMIT;
static char *ot_doorbell_database = NULL;
static int	ot_doorbell_interval = 100;

static const char *const topics[] = {
	"intake", "alerts", "warehouse", "production", "logistics", "customer", "tracking"
};
#define NUM_TOPICS lengthof(topics)

/*
 * The (sub)transaction that notified each channel in this transaction, or
 * InvalidSubTransactionId.  A subtransaction that aborts takes its
 * notifications with it, so its channels may be notified again.
 */
static SubTransactionId notified_in[NUM_TOPICS];

static void
EventsXactCallback(XactEvent event, void *arg pg_attribute_unused())
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT || event == XACT_EVENT_PREPARE ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT)
		memset(notified_in, 0, sizeof(notified_in));
}

static void
EventsSubXactCallback(SubXactEvent event, SubTransactionId mySubid, SubTransactionId parentSubid,
					  void *arg pg_attribute_unused())
{
	for (int i = 0; i < (int) NUM_TOPICS; i++)
		if (notified_in[i] == mySubid)
		{
			if (event == SUBXACT_EVENT_ABORT_SUB)
				notified_in[i] = InvalidSubTransactionId;
			else if (event == SUBXACT_EVENT_COMMIT_SUB)
				notified_in[i] = parentSubid;
		}
}

/* The settings of the push, and the doorbell worker when preloaded. */
void
EventsInit(void)
{
	DefineCustomEnumVariable("ordertrack.notify",
							 "How new events are announced with NOTIFY: commit, doorbell or off.",
							 "commit: by the writing transaction, once per channel; doorbell: by a background "
							 "worker after the events commit (needs shared_preload_libraries = 'ordertrack'); "
							 "off: not at all (consumers poll).",
							 &ot_notify, OT_NOTIFY_COMMIT, notify_modes, PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("ordertrack.doorbell_interval",
							"How often the doorbell worker looks for new events.",
							NULL, &ot_doorbell_interval, 100, 10, 60000, PGC_SIGHUP, GUC_UNIT_MS,
							NULL, NULL, NULL);
	/* read by the worker when it starts (a reload does not move it to another database) */
	DefineCustomStringVariable("ordertrack.doorbell_database",
							   "The database whose events the doorbell worker announces.",
							   "The worker connects to it when the server starts.",
							   &ot_doorbell_database, "postgres", PGC_SIGHUP, 0, NULL, NULL, NULL);
	RegisterXactCallback(EventsXactCallback, NULL);
	RegisterSubXactCallback(EventsSubXactCallback, NULL);

	if (process_shared_preload_libraries_in_progress)
	{
		BackgroundWorker worker;

		memset(&worker, 0, sizeof(worker));
		worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
		worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
		worker.bgw_restart_time = 10;
		snprintf(worker.bgw_library_name, BGW_MAXLEN, "ordertrack");
		snprintf(worker.bgw_function_name, BGW_MAXLEN, "DoorbellMain");
		snprintf(worker.bgw_name, BGW_MAXLEN, "ordertrack doorbell");
		snprintf(worker.bgw_type, BGW_MAXLEN, "ordertrack doorbell");
		RegisterBackgroundWorker(&worker);
	}
}

/* Index of a topic, -1 when it is not one. */
static int
topic_index(const char *topic, int len)
{
	for (int i = 0; i < (int) NUM_TOPICS; i++)
		if ((int) strlen(topics[i]) == len && memcmp(topics[i], topic, len) == 0)
			return i;
	return -1;
}

/* Appends "key": the text (clipped to max bytes, whole characters), JSON-escaped. */
static void
append_text(StringInfo s, const char *key, const char *value, int len, int max)
{
	char	   *clipped;

	appendStringInfo(s, ", \"%s\": ", key);
	if (value == NULL)
	{
		appendStringInfoString(s, "null");
		return;
	}
	if (len > max)
		len = pg_mbcliplen(value, len, max);
	clipped = pnstrdup(value, len);
	escape_json(s, clipped);
}

/*
 * In commit mode, announces the event in slot (a row of events) on its
 * topic's channel unless this transaction did already:
 * {"event_id", "topic", "kind", "order_id", "tracking_no"}, well under
 * NOTIFY's 8000 bytes (kind is clipped to 200 bytes).
 */
void
EventAnnounce(TupleTableSlot *slot)
{
	TupleDesc	desc = slot->tts_tupleDescriptor;
	bool		isnull;
	Datum		d;
	text	   *topic;
	int			t;
	StringInfoData payload;
	char		channel[NAMEDATALEN];
	char	   *tracking_no = NULL;
	int			tracking_len = 0;

	if (ot_notify != OT_NOTIFY_COMMIT)
		return;
	d = slot_getattr(slot, OtAttnum(desc, "topic"), &isnull);
	if (isnull)
		return;
	topic = DatumGetTextPP(d);
	t = topic_index(VARDATA_ANY(topic), VARSIZE_ANY_EXHDR(topic));
	if (t < 0 || notified_in[t] != InvalidSubTransactionId)
		return;

	initStringInfo(&payload);
	d = slot_getattr(slot, OtAttnum(desc, "event_id"), &isnull);
	appendStringInfo(&payload, "{\"event_id\": " INT64_FORMAT ", \"topic\": \"%s\"",
					 isnull ? 0 : DatumGetInt64(d), topics[t]);
	d = slot_getattr(slot, OtAttnum(desc, "kind"), &isnull);
	append_text(&payload, "kind", isnull ? NULL : VARDATA_ANY(DatumGetTextPP(d)),
				isnull ? 0 : VARSIZE_ANY_EXHDR(DatumGetTextPP(d)), 200);
	d = slot_getattr(slot, OtAttnum(desc, "order_id"), &isnull);
	if (isnull)
		appendStringInfoString(&payload, ", \"order_id\": null");
	else
		appendStringInfo(&payload, ", \"order_id\": " INT64_FORMAT, DatumGetInt64(d));
	d = slot_getattr(slot, OtAttnum(desc, "payload"), &isnull);
	if (!isnull)
	{
		Jsonb	   *jb = DatumGetJsonbP(d);
		JsonbValue	key;
		JsonbValue *v;

		key.type = jbvString;
		key.val.string.val = "tracking_no";
		key.val.string.len = strlen("tracking_no");
		v = JB_ROOT_IS_OBJECT(jb) ? findJsonbValueFromContainer(&jb->root, JB_FOBJECT, &key) : NULL;
		if (v != NULL && v->type == jbvString)
		{
			tracking_no = v->val.string.val;
			tracking_len = v->val.string.len;
		}
	}
	append_text(&payload, "tracking_no", tracking_no, tracking_len, 32);
	appendStringInfoChar(&payload, '}');

	snprintf(channel, sizeof(channel), "ordertrack_%s", topics[t]);
	Async_Notify(channel, payload.data);
	notified_in[t] = GetCurrentSubTransactionId();
}

/*
 * AFTER INSERT statement trigger on events, with the inserted rows as the
 * transition table: announces them (see EventAnnounce).  Intake writes its
 * events without a statement and announces them itself.
 */
Datum
event_notify(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	TupleTableSlot *slot;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(td->tg_event) || !TRIGGER_FIRED_BY_INSERT(td->tg_event) ||
		td->tg_newtable == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("event_notify must be fired AFTER INSERT for each statement, REFERENCING NEW TABLE")));
	if (ot_notify != OT_NOTIFY_COMMIT)
		return PointerGetDatum(NULL);
	slot = MakeSingleTupleTableSlot(RelationGetDescr(td->tg_relation), &TTSOpsMinimalTuple);
	tuplestore_rescan(td->tg_newtable);
	while (tuplestore_gettupleslot(td->tg_newtable, true, false, slot))
		EventAnnounce(slot);
	ExecDropSingleTupleTableSlot(slot);
	return PointerGetDatum(NULL);
}

/*
 * One look of the doorbell: notifies each channel that got events that
 * became visible since the snapshot *since (none the first time), and
 * moves *since on.  Runs in a transaction.
 */
static void
ring(char **since)
{
	Datum		args[2];
	char	   *now;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* the extension may not be installed (yet) */
	if (SPI_execute("SELECT pg_catalog.to_regclass('ordertrack.events') IS NOT NULL", true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not look for ordertrack.events");
	if (!DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &(bool) {false})))
	{
		SPI_finish();
		return;
	}
	/* read-only SPI: both statements see the one snapshot the look is made with */
	if (SPI_execute("SELECT pg_catalog.pg_current_snapshot()::text", true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not take a snapshot");
	now = MemoryContextStrdup(TopMemoryContext, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1));
	if (*since != NULL)
	{
		args[0] = CStringGetTextDatum(*since);
		args[1] = CStringGetTextDatum(now);
		if (SPI_execute_with_args("SELECT e.topic, max(e.event_id), count(*) FROM ordertrack.events e"
								  " WHERE e.xact_id >= pg_catalog.pg_snapshot_xmin($1::pg_snapshot)"
								  " AND e.xact_id < pg_catalog.pg_snapshot_xmax($2::pg_snapshot)"
								  " AND pg_catalog.pg_visible_in_snapshot(e.xact_id, $2::pg_snapshot)"
								  " AND NOT pg_catalog.pg_visible_in_snapshot(e.xact_id, $1::pg_snapshot)"
								  " GROUP BY e.topic",
								  2, (Oid[]) {TEXTOID, TEXTOID}, args, NULL, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not read new events");
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			HeapTuple	row = SPI_tuptable->vals[i];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			char	   *topic = SPI_getvalue(row, desc, 1);
			char		channel[NAMEDATALEN];

			if (topic == NULL || topic_index(topic, strlen(topic)) < 0)
				continue;
			snprintf(channel, sizeof(channel), "ordertrack_%s", topic);
			Async_Notify(channel, psprintf("{\"event_id\": %s, \"topic\": \"%s\", \"events\": %s, \"doorbell\": true}",
										   SPI_getvalue(row, desc, 2), topic, SPI_getvalue(row, desc, 3)));
		}
		pfree(*since);
	}
	*since = now;
	SPI_finish();
}

/* The doorbell worker: looks for new events every ordertrack.doorbell_interval. */
void
DoorbellMain(Datum arg pg_attribute_unused())
{
	char	   *since = NULL;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(ot_doorbell_database, NULL, 0);
	pgstat_report_appname("ordertrack doorbell");

	for (;;)
	{
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 ot_doorbell_interval, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		if (ot_notify != OT_NOTIFY_DOORBELL)
		{
			/* switched on again later, it announces what commits from then on */
			if (since != NULL)
				pfree(since);
			since = NULL;
			continue;
		}
		SetCurrentStatementStartTimestamp();
		StartTransactionCommand();
		PushActiveSnapshot(GetTransactionSnapshot());
		pgstat_report_activity(STATE_RUNNING, "ordertrack doorbell: looking for new events");
		ring(&since);
		PopActiveSnapshot();
		CommitTransactionCommand();
		pgstat_report_stat(false);
		pgstat_report_activity(STATE_IDLE, NULL);
	}
}
