/*
 * events.c
 *	  The outbox's live push.  Every event is a row of ordertrack.events,
 *	  written in the transaction of the change it reports; consumers read
 *	  them with poll() and ack().  NOTIFY on channel ordertrack_<topic> only
 *	  rings the bell, in one of three modes (setting ordertrack.notify):
 *
 *	  commit	  the writing transaction notifies, once per channel: the
 *				  payload names the first event it wrote on that topic.
 *				  NOTIFY takes a cluster-wide lock at commit that is held
 *				  through the commit's WAL flush, so notifying transactions
 *				  commit one at a time.
 *	  doorbell	  writers only write, and count at commit, in shared memory,
 *				  the topics they wrote events on; a background worker
 *				  (registered when the library is in shared_preload_libraries)
 *				  looks at the counts every ordertrack.doorbell_interval and
 *				  notifies each channel whose count moved.
 *	  off		  no NOTIFY; consumers poll.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "commands/async.h"
#include "commands/sequence.h"
#include "commands/trigger.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"
#include "utils/wait_event.h"

#include "common.h"
#include "events.h"

PG_FUNCTION_INFO_V1(event_notify);
PG_FUNCTION_INFO_V1(next_event_id);
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
static int	ot_node_id = 0;

/* Event ids: the node's number above bit 48, the node's sequence below. */
#define EVENT_ID_NODE_SHIFT 48
#define EVENT_ID_MAX_NODE 32767

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

/*
 * Doorbell mode: per topic, how many committed transactions wrote events on
 * it, the largest event id they wrote, and up to which count the worker has
 * rung (so that a worker that restarts rings for what committed while it
 * was away).  In shared memory, which exists only when the library is
 * preloaded.
 */
typedef struct DoorbellShared
{
	pg_atomic_uint64 commits[NUM_TOPICS];
	pg_atomic_uint64 newest[NUM_TOPICS];
	pg_atomic_uint64 rung[NUM_TOPICS];
} DoorbellShared;

static DoorbellShared *doorbell = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/* This transaction's events per topic, for the doorbell: the largest id, 0 when none. */
static uint64 pending_newest[NUM_TOPICS];
static bool pending_any = false;

static void
DoorbellShmemRequest(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(DoorbellShared)));
}

static void
DoorbellShmemStartup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	doorbell = ShmemInitStruct("ordertrack doorbell", sizeof(DoorbellShared), &found);
	if (!found)
		for (int i = 0; i < (int) NUM_TOPICS; i++)
		{
			pg_atomic_init_u64(&doorbell->commits[i], 0);
			pg_atomic_init_u64(&doorbell->newest[i], 0);
			pg_atomic_init_u64(&doorbell->rung[i], 0);
		}
	LWLockRelease(AddinShmemInitLock);
}

/* At commit, the topics this transaction wrote events on count for the doorbell. */
static void
DoorbellCount(void)
{
	for (int i = 0; i < (int) NUM_TOPICS; i++)
		if (pending_newest[i] != 0)
		{
			uint64		seen = pg_atomic_read_u64(&doorbell->newest[i]);

			while (seen < pending_newest[i] &&
				   !pg_atomic_compare_exchange_u64(&doorbell->newest[i], &seen, pending_newest[i]))
				;
			pg_atomic_fetch_add_u64(&doorbell->commits[i], 1);
		}
}

static void
EventsXactCallback(XactEvent event, void *arg pg_attribute_unused())
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT || event == XACT_EVENT_PREPARE ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT)
	{
		/* (visible by now: the commit callbacks run after the commit is recorded) */
		if (event == XACT_EVENT_COMMIT && pending_any && doorbell != NULL)
			DoorbellCount();
		memset(notified_in, 0, sizeof(notified_in));
		memset(pending_newest, 0, sizeof(pending_newest));
		pending_any = false;
	}
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
	DefineCustomIntVariable("ordertrack.node_id",
							"This server's number in a shop group, part of every event id it draws.",
							"Give each server of a group its own number (0 to 32767), in its configuration "
							"file: event ids are then unique across the group.",
							&ot_node_id, 0, 0, EVENT_ID_MAX_NODE, PGC_SUSET, 0, NULL, NULL, NULL);
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
		prev_shmem_request_hook = shmem_request_hook;
		shmem_request_hook = DoorbellShmemRequest;
		prev_shmem_startup_hook = shmem_startup_hook;
		shmem_startup_hook = DoorbellShmemStartup;
	}
}

/*
 * next_event_id(): the default of events.event_id, unique across a shop
 * group: ordertrack.node_id in the top bits, this node's
 * ordertrack.events_event_id_seq (at most 2^48 - 1) below.  Whoever may
 * insert an event may draw its id, as with an identity column.
 */
Datum
next_event_id(PG_FUNCTION_ARGS)
{
	int64		n = nextval_internal(OtRelid("events_event_id_seq"), false);

	PG_RETURN_INT64(((int64) ot_node_id << EVENT_ID_NODE_SHIFT) | n);
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
 * In doorbell mode, notes the event in slot (a row of events) for the
 * count at commit.  In commit mode, announces it on its topic's channel
 * unless this transaction did already:
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

	if (ot_notify == OT_NOTIFY_OFF || (ot_notify == OT_NOTIFY_DOORBELL && doorbell == NULL))
		return;
	d = slot_getattr(slot, OtAttnum(desc, "topic"), &isnull);
	if (isnull)
		return;
	topic = DatumGetTextPP(d);
	t = topic_index(VARDATA_ANY(topic), VARSIZE_ANY_EXHDR(topic));
	if (t < 0)
		return;
	if (ot_notify == OT_NOTIFY_DOORBELL)
	{
		d = slot_getattr(slot, OtAttnum(desc, "event_id"), &isnull);
		if (!isnull && (uint64) DatumGetInt64(d) > pending_newest[t])
			pending_newest[t] = (uint64) DatumGetInt64(d);
		pending_any = true;
		return;
	}
	if (notified_in[t] != InvalidSubTransactionId)
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
	if (ot_notify == OT_NOTIFY_OFF)
		return PointerGetDatum(NULL);
	slot = MakeSingleTupleTableSlot(RelationGetDescr(td->tg_relation), &TTSOpsMinimalTuple);
	tuplestore_rescan(td->tg_newtable);
	while (tuplestore_gettupleslot(td->tg_newtable, true, false, slot))
		EventAnnounce(slot);
	ExecDropSingleTupleTableSlot(slot);
	return PointerGetDatum(NULL);
}

/*
 * The doorbell worker: every ordertrack.doorbell_interval, notifies each
 * channel whose count of committed transactions moved since it last rang,
 * with {"event_id" (the newest), "topic", "transactions", "doorbell"}.
 * What it has rung is kept in shared memory: started again after it was
 * terminated, it rings for what committed while it was away (a crash of
 * any server process resets shared memory, counts included).  An error in
 * a look is reported and the next look tries again; it does not end the
 * worker.
 */
void
DoorbellMain(Datum arg pg_attribute_unused())
{
	sigjmp_buf	local_sigjmp_buf;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(ot_doorbell_database, NULL, 0);
	pgstat_report_appname("ordertrack doorbell");
	if (doorbell == NULL)
		elog(ERROR, "ordertrack doorbell: no shared memory (the library must be preloaded)");

	/* an error in a look: report it, undo the look, and go on (as the autovacuum launcher does) */
	if (sigsetjmp(local_sigjmp_buf, 1) != 0)
	{
		error_context_stack = NULL;
		HOLD_INTERRUPTS();
		EmitErrorReport();
		AbortCurrentTransaction();
		FlushErrorState();
		MemoryContextSwitchTo(TopMemoryContext);
		RESUME_INTERRUPTS();
		pg_usleep(1000000L);	/* not in a tight loop if the error persists */
	}
	PG_exception_stack = &local_sigjmp_buf;

	for (;;)
	{
		bool		started = false;
		uint64		commits[NUM_TOPICS];

		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 ot_doorbell_interval, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		for (int i = 0; i < (int) NUM_TOPICS; i++)
		{
			uint64		rung = pg_atomic_read_u64(&doorbell->rung[i]);
			char		channel[NAMEDATALEN];

			commits[i] = pg_atomic_read_u64(&doorbell->commits[i]);
			if (commits[i] == rung)
				continue;
			if (!started)
			{
				SetCurrentStatementStartTimestamp();
				StartTransactionCommand();
				started = true;
			}
			snprintf(channel, sizeof(channel), "ordertrack_%s", topics[i]);
			Async_Notify(channel, psprintf("{\"event_id\": " UINT64_FORMAT ", \"topic\": \"%s\", "
										   "\"transactions\": " UINT64_FORMAT ", \"doorbell\": true}",
										   pg_atomic_read_u64(&doorbell->newest[i]), topics[i], commits[i] - rung));
		}
		if (started)
		{
			CommitTransactionCommand();
			/* rung once the notifications are committed (sent) */
			for (int i = 0; i < (int) NUM_TOPICS; i++)
				pg_atomic_write_u64(&doorbell->rung[i], commits[i]);
			pgstat_report_stat(false);
		}
	}
}
