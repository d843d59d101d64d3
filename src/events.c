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
 *	  doorbell	  writers only write, and count at commit, in their
 *				  database's slot of shared memory, the topics they wrote
 *				  events on, and wake (set the latch of) a background
 *				  worker of the database, which notifies each channel whose
 *				  count moved.  A burst of commits wakes it once: the
 *				  commits that come while it rings, and in the pause
 *				  after (ordertrack.doorbell_pause), are rung together by
 *				  its next look.  It also looks every
 *				  ordertrack.doorbell_interval, in case.  A launcher
 *				  (registered when the library is in
 *				  shared_preload_libraries) starts the worker of a
 *				  database when its counts first move.
 *	  off		  no NOTIFY; consumers poll.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_database.h"
#include "commands/dbcommands.h"
#include "commands/defrem.h"
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
#include "storage/proc.h"
#include "storage/shmem.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"
#include "utils/wait_event.h"

#include "common.h"
#include "events.h"
#include "shop_group.h"

PG_FUNCTION_INFO_V1(event_notify);
PG_FUNCTION_INFO_V1(next_event_id);
PG_FUNCTION_INFO_V1(node_id);
PGDLLEXPORT void DoorbellMain(Datum arg);
PGDLLEXPORT void DoorbellLauncherMain(Datum arg);

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
static int	ot_doorbell_interval = 1000;
static int	ot_doorbell_pause = 2;
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
 * Doorbell mode: per database, per topic, how many committed transactions
 * wrote events on it, the largest event id they wrote, and up to which
 * count its worker has rung (so that a worker that starts again rings for
 * what committed while it was away).  In shared memory, which exists only
 * when the library is preloaded.  A database takes a free slot with its
 * first event; DROP DATABASE frees it.
 */
#define DOORBELL_SLOTS 256

typedef struct DoorbellSlot
{
	pg_atomic_uint32 dboid;		/* the database's OID; 0: free */
	pg_atomic_uint32 pid;		/* of its worker, when it runs */
	pg_atomic_uint32 ddl;		/* statements under way that need the database to themselves */
	pg_atomic_uint32 connected;	/* how many of its workers connected */
	pg_atomic_uint32 prepared;	/* topics that prepared transactions wrote events on (bit per topic) */
	pg_atomic_uint32 worker;	/* its worker's pgprocno + 1, to wake it; 0 when none runs */
	pg_atomic_uint32 bell;		/* 1: a commit woke the worker, which has not looked since */
	pg_atomic_uint64 commits[NUM_TOPICS];
	pg_atomic_uint64 newest[NUM_TOPICS];
	pg_atomic_uint64 rung[NUM_TOPICS];
} DoorbellSlot;

typedef struct DoorbellShared
{
	pg_atomic_uint32 launcher;	/* the launcher's pgprocno + 1; 0 when it does not run */
	DoorbellSlot slots[DOORBELL_SLOTS];
} DoorbellShared;

static DoorbellShared *doorbell = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;
static ProcessUtility_hook_type prev_process_utility = NULL;

static void DoorbellProcessUtility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
								   ProcessUtilityContext context, ParamListInfo params,
								   QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc);

/* This backend's database's slot, once found; NULL before. */
static DoorbellSlot *my_slot = NULL;
static bool slot_warned = false;

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
	{
		pg_atomic_init_u32(&doorbell->launcher, 0);
		for (int s = 0; s < DOORBELL_SLOTS; s++)
		{
			DoorbellSlot *slot = &doorbell->slots[s];

			pg_atomic_init_u32(&slot->dboid, 0);
			pg_atomic_init_u32(&slot->pid, 0);
			pg_atomic_init_u32(&slot->ddl, 0);
			pg_atomic_init_u32(&slot->connected, 0);
			pg_atomic_init_u32(&slot->prepared, 0);
			pg_atomic_init_u32(&slot->worker, 0);
			pg_atomic_init_u32(&slot->bell, 0);
			for (int i = 0; i < (int) NUM_TOPICS; i++)
			{
				pg_atomic_init_u64(&slot->commits[i], 0);
				pg_atomic_init_u64(&slot->newest[i], 0);
				pg_atomic_init_u64(&slot->rung[i], 0);
			}
		}
	}
	LWLockRelease(AddinShmemInitLock);
}

/* The slot of a database, taking a free one when asked; NULL when none. */
static DoorbellSlot *
doorbell_slot(Oid dboid, bool take)
{
	for (int s = 0; s < DOORBELL_SLOTS; s++)
		if (pg_atomic_read_u32(&doorbell->slots[s].dboid) == dboid)
			return &doorbell->slots[s];
	for (int s = 0; take && s < DOORBELL_SLOTS; s++)
	{
		uint32		free_oid = 0;

		/* counts of a freed slot were zeroed before it was freed */
		if (pg_atomic_compare_exchange_u32(&doorbell->slots[s].dboid, &free_oid, dboid))
			return &doorbell->slots[s];
		if (free_oid == dboid)
			return &doorbell->slots[s]; /* another backend of the database took it */
	}
	return NULL;
}

/*
 * At commit, the topics this transaction wrote events on count for the
 * doorbell, and the database's worker is woken (the launcher, when no
 * worker runs) unless a commit woke it already and it has not looked
 * since: that look sees this commit's counts too, as the worker clears the
 * bell before it reads them (both exchanges are full barriers).  A worker
 * that exits leaves its number behind for a moment: setting the latch of
 * the process that takes its place only wakes that one for nothing.
 */
static void
DoorbellCount(void)
{
	uint32		procno;

	for (int i = 0; i < (int) NUM_TOPICS; i++)
		if (pending_newest[i] != 0)
		{
			uint64		seen = pg_atomic_read_u64(&my_slot->newest[i]);

			while (seen < pending_newest[i] &&
				   !pg_atomic_compare_exchange_u64(&my_slot->newest[i], &seen, pending_newest[i]))
				;
			pg_atomic_fetch_add_u64(&my_slot->commits[i], 1);
		}
	if (pg_atomic_exchange_u32(&my_slot->bell, 1) != 0)
		return;
	procno = pg_atomic_read_u32(&my_slot->worker);
	if (procno == 0)
		procno = pg_atomic_read_u32(&doorbell->launcher);
	if (procno != 0 && procno <= ProcGlobal->allProcCount)
		SetLatch(&ProcGlobal->allProcs[procno - 1].procLatch);
}

static void
EventsXactCallback(XactEvent event, void *arg pg_attribute_unused())
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT || event == XACT_EVENT_PREPARE ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT)
	{
		/* (visible by now: the commit callbacks run after the commit is recorded) */
		if (event == XACT_EVENT_COMMIT && pending_any && my_slot != NULL)
			DoorbellCount();
		/*
		 * A prepared transaction (a Citus worker's part of a transaction
		 * over several nodes) is committed later by COMMIT PREPARED, which
		 * does not know its events: it rings the topics that prepared
		 * transactions of the database wrote on (DoorbellProcessUtility).
		 */
		if (event == XACT_EVENT_PREPARE && pending_any && my_slot != NULL)
			for (int i = 0; i < (int) NUM_TOPICS; i++)
				if (pending_newest[i] != 0)
					pg_atomic_fetch_or_u32(&my_slot->prepared, 1U << i);
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
	/* doorbell where its workers run: writers then take no cluster-wide lock at commit */
	int			notify_default = process_shared_preload_libraries_in_progress ? OT_NOTIFY_DOORBELL : OT_NOTIFY_COMMIT;

	DefineCustomEnumVariable("ordertrack.notify",
							 "How new events are announced with NOTIFY: commit, doorbell or off.",
							 "commit: by the writing transaction, once per channel; doorbell: by a background "
							 "worker after the events commit (needs shared_preload_libraries = 'ordertrack', "
							 "and then the default; on a Citus node commit acts as doorbell); off: not at all (consumers poll).",
							 &ot_notify, notify_default, notify_modes, PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("ordertrack.doorbell_interval",
							"How often the doorbell launcher and workers look when no commit wakes them.",
							"Commits wake the worker of their database: it rings within milliseconds. "
							"The interval is for the launcher's retries and a look in case.",
							&ot_doorbell_interval, 1000, 10, 60000, PGC_SIGHUP, GUC_UNIT_MS,
							NULL, NULL, NULL);
	DefineCustomIntVariable("ordertrack.doorbell_pause",
							"How long the doorbell worker pauses after it rang before it looks again.",
							"The commits of the pause are rung together: a ring is a transaction of the worker's, "
							"so under load a longer pause costs the writers less and the consumers a longer wait.",
							&ot_doorbell_pause, 2, 0, 1000, PGC_SIGHUP, GUC_UNIT_MS,
							NULL, NULL, NULL);
	DefineCustomIntVariable("ordertrack.node_id",
							"This server's number in a shop group, part of every event id it draws.",
							"Give each server of a group its own number (1 to 32767), in its configuration "
							"file: event ids are then unique across the group. 0: the server's Citus group id "
							"(0 without Citus).",
							&ot_node_id, 0, 0, EVENT_ID_MAX_NODE, PGC_SUSET, 0, NULL, NULL, NULL);
	/* kept so that configurations that set it still load */
	DefineCustomStringVariable("ordertrack.doorbell_database",
							   "Not used: every database's events are announced in that database.",
							   "Until 0.8 one doorbell worker announced the events of this database only.",
							   &ot_doorbell_database, "", PGC_SIGHUP, 0, NULL, NULL, NULL);
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
		snprintf(worker.bgw_function_name, BGW_MAXLEN, "DoorbellLauncherMain");
		snprintf(worker.bgw_name, BGW_MAXLEN, "ordertrack doorbell launcher");
		snprintf(worker.bgw_type, BGW_MAXLEN, "ordertrack doorbell launcher");
		RegisterBackgroundWorker(&worker);
		prev_shmem_request_hook = shmem_request_hook;
		shmem_request_hook = DoorbellShmemRequest;
		prev_shmem_startup_hook = shmem_startup_hook;
		shmem_startup_hook = DoorbellShmemStartup;
		prev_process_utility = ProcessUtility_hook;
		ProcessUtility_hook = DoorbellProcessUtility;
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

	PG_RETURN_INT64(((int64) OtNodeId(ot_node_id) << EVENT_ID_NODE_SHIFT) | n);
}

/*
 * node_id(): the number this node gives its event ids above bit 48
 * (ordertrack.node_id, or its Citus group id); on Citus, poll asks each
 * node for it to know which events are that node's.
 */
Datum
node_id(PG_FUNCTION_ARGS pg_attribute_unused())
{
	PG_RETURN_INT32(OtNodeId(ot_node_id));
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
 * ordertrack.notify as it applies: on a Citus node, commit is doorbell (a
 * transaction over several nodes is prepared on each, and PostgreSQL
 * refuses to prepare one that has notified; Citus is preloaded, and so the
 * doorbell is there).
 */
static int
notify_mode(void)
{
	static int	citus = -1;

	if (ot_notify != OT_NOTIFY_COMMIT || doorbell == NULL)
		return ot_notify;
	if (citus < 0)
		citus = GetConfigOption("citus.version", true, false) != NULL ? 1 : 0;
	return citus ? OT_NOTIFY_DOORBELL : OT_NOTIFY_COMMIT;
}

/*
 * In doorbell mode, notes the event in slot (a row of events) for the
 * count at commit.  In commit mode, announces it on its topic's channel
 * unless this transaction did already: {"event_id", "topic", "kind",
 * "order_id"}, well under NOTIFY's 8000 bytes (kind is clipped to 200
 * bytes).  Any role that may connect can LISTEN on any channel, and
 * PostgreSQL cannot restrict it: the payload carries ids and kinds only,
 * never what the event says (a tracking number, a phone, an address).
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
	int			mode = notify_mode();

	if (mode == OT_NOTIFY_OFF || (mode == OT_NOTIFY_DOORBELL && doorbell == NULL))
		return;
	d = slot_getattr(slot, OtAttnum(desc, "topic"), &isnull);
	if (isnull)
		return;
	topic = DatumGetTextPP(d);
	t = topic_index(VARDATA_ANY(topic), VARSIZE_ANY_EXHDR(topic));
	if (t < 0)
		return;
	if (mode == OT_NOTIFY_DOORBELL)
	{
		if (my_slot == NULL)
		{
			my_slot = doorbell_slot(MyDatabaseId, true);
			if (my_slot == NULL)
			{
				if (!slot_warned)
					ereport(WARNING,
							(errmsg("ordertrack doorbell: no slot is free for this database"),
							 errdetail("The doorbell serves %d databases of a server.", DOORBELL_SLOTS),
							 errhint("Consumers of this database find its events when they poll.")));
				slot_warned = true;
				return;
			}
		}
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
 * The doorbell launcher: no database of its own; when the first commit of
 * a database without a running worker wakes it, and every
 * ordertrack.doorbell_interval, it starts the worker of each database whose
 * counts moved and that has none running.  A worker that left without
 * connecting to its database is started again 10 s later, not at once, so
 * that one that cannot start does not spin.
 */
#define DOORBELL_RELAUNCH_MS 10000

/* This process's number + 1, by which committers set its latch (0 is none). */
static uint32
my_procno(void)
{
	return (uint32) (MyProc - ProcGlobal->allProcs) + 1;
}

/*
 * The launcher's and the workers' wait between two looks: until the latch
 * is set or the interval ends; or, with pause, for ot_doorbell_pause
 * whatever sets the latch (a worker after it rang).
 */
static void
doorbell_wait(bool pause)
{
	if (!pause)
	{
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 ot_doorbell_interval, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
	else if (ot_doorbell_pause > 0)
		(void) WaitLatch(NULL, WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, ot_doorbell_pause, PG_WAIT_EXTENSION);
	CHECK_FOR_INTERRUPTS();
	if (ConfigReloadPending)
	{
		ConfigReloadPending = false;
		ProcessConfigFile(PGC_SIGHUP);
	}
}

/* Commits no longer wake the launcher that leaves. */
static void
DoorbellLauncherExit(int code pg_attribute_unused(), Datum arg pg_attribute_unused())
{
	pg_atomic_write_u32(&doorbell->launcher, 0);
}

void
DoorbellLauncherMain(Datum arg pg_attribute_unused())
{
	BackgroundWorkerHandle *handles[DOORBELL_SLOTS];
	TimestampTz next_start[DOORBELL_SLOTS];
	uint32		connected[DOORBELL_SLOTS];	/* the slot's count when its worker was started */
	bool		full_logged = false;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	/* no database: only to show in pg_stat_activity, as the replication launcher */
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	memset(handles, 0, sizeof(handles));
	memset(next_start, 0, sizeof(next_start));
	memset(connected, 0, sizeof(connected));
	if (doorbell == NULL)
		elog(ERROR, "ordertrack doorbell: no shared memory (the library must be preloaded)");
	/* the first commit of a database without a worker wakes the launcher */
	pg_atomic_write_u32(&doorbell->launcher, my_procno());
	before_shmem_exit(DoorbellLauncherExit, (Datum) 0);

	for (;;)
	{
		doorbell_wait(false);
		for (int s = 0; s < DOORBELL_SLOTS; s++)
		{
			DoorbellSlot *slot = &doorbell->slots[s];
			Oid			dboid = pg_atomic_read_u32(&slot->dboid);
			bool		moved = false;
			pid_t		pid;
			BackgroundWorker worker;

			if (dboid == InvalidOid || pg_atomic_read_u32(&slot->ddl) > 0)
				continue;
			if (handles[s] != NULL && GetBackgroundWorkerPid(handles[s], &pid) != BGWH_STOPPED)
				continue;
			for (int i = 0; i < (int) NUM_TOPICS && !moved; i++)
				moved = pg_atomic_read_u64(&slot->commits[i]) != pg_atomic_read_u64(&slot->rung[i]);
			if (!moved)
				continue;
			if (handles[s] != NULL && pg_atomic_read_u32(&slot->connected) == connected[s] &&
				GetCurrentTimestamp() < next_start[s])
				continue;		/* the last one never connected */

			memset(&worker, 0, sizeof(worker));
			worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
			worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
			worker.bgw_restart_time = BGW_NEVER_RESTART;
			snprintf(worker.bgw_library_name, BGW_MAXLEN, "ordertrack");
			snprintf(worker.bgw_function_name, BGW_MAXLEN, "DoorbellMain");
			snprintf(worker.bgw_name, BGW_MAXLEN, "ordertrack doorbell for database %u", dboid);
			snprintf(worker.bgw_type, BGW_MAXLEN, "ordertrack doorbell");
			worker.bgw_main_arg = Int32GetDatum(s);
			memcpy(worker.bgw_extra, &dboid, sizeof(dboid));
			worker.bgw_notify_pid = MyProcPid;
			if (handles[s] != NULL)
				pfree(handles[s]);
			handles[s] = NULL;
			next_start[s] = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), DOORBELL_RELAUNCH_MS);
			connected[s] = pg_atomic_read_u32(&slot->connected);
			if (!RegisterDynamicBackgroundWorker(&worker, &handles[s]))
			{
				if (!full_logged)
					ereport(LOG,
							(errmsg("ordertrack doorbell: no background worker slot for the doorbell of database %u", dboid),
							 errhint("Raise max_worker_processes: each database whose events are announced needs one.")));
				full_logged = true;
			}
			else
				full_logged = false;
		}
	}
}

/* The worker's slot no longer names it as running; commits wake the launcher. */
static void
DoorbellWorkerExit(int code pg_attribute_unused(), Datum arg)
{
	DoorbellSlot *slot = (DoorbellSlot *) DatumGetPointer(arg);

	pg_atomic_write_u32(&slot->worker, 0);
	pg_atomic_write_u32(&slot->pid, 0);
	pg_atomic_write_u32(&slot->bell, 0);
}

/*
 * The doorbell worker of one database: when a commit wakes it (and every
 * ordertrack.doorbell_interval, in case), notifies each channel whose count
 * of committed transactions moved since it last rang, with {"event_id"
 * (the newest), "topic", "transactions", "doorbell"}, then pauses
 * (ordertrack.doorbell_pause).  What it has rung is kept in shared memory: started again
 * after it was terminated, it rings for what committed while it was away
 * (a crash of any server process resets shared memory, counts included).
 * An error in a look is reported and the next look tries again; it does
 * not end the worker.  It leaves when a statement needs its database to
 * itself (DROP DATABASE, ALTER DATABASE ... RENAME, ...).
 */
void
DoorbellMain(Datum arg)
{
	sigjmp_buf	local_sigjmp_buf;
	int			s = DatumGetInt32(arg);
	DoorbellSlot *slot;
	Oid			dboid;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	if (doorbell == NULL || s < 0 || s >= DOORBELL_SLOTS)
		elog(ERROR, "ordertrack doorbell: no shared memory (the library must be preloaded)");
	slot = &doorbell->slots[s];
	memcpy(&dboid, MyBgworkerEntry->bgw_extra, sizeof(dboid));
	if (pg_atomic_read_u32(&slot->dboid) != dboid || pg_atomic_read_u32(&slot->ddl) > 0)
		proc_exit(0);			/* the database went, or a statement needs it alone */
	BackgroundWorkerInitializeConnectionByOid(dboid, InvalidOid, 0);
	pg_atomic_write_u32(&slot->pid, MyProcPid);
	pg_atomic_fetch_add_u32(&slot->connected, 1);
	before_shmem_exit(DoorbellWorkerExit, PointerGetDatum(slot));
	if (pg_atomic_read_u32(&slot->ddl) > 0)
		proc_exit(0);			/* came in while a statement was waiting for the database */
	pgstat_report_appname("ordertrack doorbell");
	/*
	 * A notification is sent when the transaction that makes it commits,
	 * not when its commit record reaches the disk; and a crash forgets it
	 * anyway.  Without the flush a ring costs a few tens of microseconds.
	 */
	SetConfigOption("synchronous_commit", "off", PGC_SUSET, PGC_S_OVERRIDE);
	/* from now on commits wake this worker; it looks once first, for those before */
	pg_atomic_write_u32(&slot->worker, my_procno());

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

		/* the commits that come from now on wake it again (see DoorbellCount) */
		(void) pg_atomic_exchange_u32(&slot->bell, 0);
		for (int i = 0; i < (int) NUM_TOPICS; i++)
		{
			uint64		rung = pg_atomic_read_u64(&slot->rung[i]);
			char		channel[NAMEDATALEN];

			commits[i] = pg_atomic_read_u64(&slot->commits[i]);
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
										   pg_atomic_read_u64(&slot->newest[i]), topics[i], commits[i] - rung));
		}
		if (started)
		{
			CommitTransactionCommand();
			/* rung once the notifications are committed (sent) */
			for (int i = 0; i < (int) NUM_TOPICS; i++)
				pg_atomic_write_u64(&slot->rung[i], commits[i]);
			pgstat_report_stat(false);
			/* what commits meanwhile is rung together, after the pause */
			doorbell_wait(true);
			continue;
		}
		doorbell_wait(false);
	}
}

/* The database a statement needs to itself (no other session in it), or NULL. */
static const char *
database_needed_alone(Node *stmt)
{
	ListCell   *lc;

	switch (nodeTag(stmt))
	{
		case T_DropdbStmt:
			return ((DropdbStmt *) stmt)->dbname;
		case T_RenameStmt:
			return ((RenameStmt *) stmt)->renameType == OBJECT_DATABASE ? ((RenameStmt *) stmt)->subname : NULL;
		case T_AlterDatabaseStmt:
			foreach(lc, ((AlterDatabaseStmt *) stmt)->options)
				if (strcmp(((DefElem *) lfirst(lc))->defname, "tablespace") == 0)
				return ((AlterDatabaseStmt *) stmt)->dbname;
			return NULL;
		case T_CreatedbStmt:
			foreach(lc, ((CreatedbStmt *) stmt)->options)
				if (strcmp(((DefElem *) lfirst(lc))->defname, "template") == 0)
				return defGetString((DefElem *) lfirst(lc));
			return NULL;
		default:
			return NULL;
	}
}

/* Whether the current user owns the database. */
static bool
database_owned(Oid dboid)
{
#if PG_VERSION_NUM >= 160000
	return object_ownercheck(DatabaseRelationId, dboid, GetUserId());
#else
	return pg_database_ownercheck(dboid, GetUserId());
#endif
}

/*
 * DROP DATABASE, ALTER DATABASE ... RENAME TO or SET TABLESPACE, and CREATE
 * DATABASE ... TEMPLATE need the database to themselves: its doorbell
 * worker leaves first, and is not started again until the statement ends.
 * A database dropped frees its slot.
 */
static void
DoorbellProcessUtility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
					   ProcessUtilityContext context, ParamListInfo params,
					   QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	const char *dbname = database_needed_alone(pstmt->utilityStmt);
	DoorbellSlot *slot = NULL;

	if (IsA(pstmt->utilityStmt, TransactionStmt) &&
		((TransactionStmt *) pstmt->utilityStmt)->kind == TRANS_STMT_COMMIT_PREPARED &&
		notify_mode() == OT_NOTIFY_DOORBELL && doorbell != NULL)
	{
		if (prev_process_utility)
			prev_process_utility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
		else
			standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
		/* committed: its topics count at the end of this statement's transaction (EventsXactCallback) */
		slot = doorbell_slot(MyDatabaseId, false);
		if (slot != NULL)
		{
			uint32		prepared = pg_atomic_read_u32(&slot->prepared);

			for (int i = 0; i < (int) NUM_TOPICS; i++)
				if (prepared & (1U << i))
				{
					pending_newest[i] = Max(pending_newest[i], pg_atomic_read_u64(&slot->newest[i]));
					if (pending_newest[i] == 0)
						pending_newest[i] = 1;
					pending_any = true;
				}
			my_slot = slot;
		}
		return;
	}

	if (dbname != NULL && doorbell != NULL)
	{
		Oid			dboid = get_database_oid(dbname, true);

		/* only for whom the statement can succeed: nobody else stops a worker */
		if (OidIsValid(dboid) && (superuser() || database_owned(dboid)))
			slot = doorbell_slot(dboid, false);
	}
	if (slot == NULL)
	{
		if (prev_process_utility)
			prev_process_utility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
		else
			standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
		return;
	}

	pg_atomic_fetch_add_u32(&slot->ddl, 1);
	PG_TRY();
	{
		pid_t		pid = (pid_t) pg_atomic_read_u32(&slot->pid);

		/* the worker leaves (its database's own statements wait up to 5 s for it too) */
		for (int waited = 0; pid != 0 && waited < 5000; waited += 10)
		{
			(void) kill(pid, SIGTERM);
			pg_usleep(10000L);
			CHECK_FOR_INTERRUPTS();
			pid = (pid_t) pg_atomic_read_u32(&slot->pid);
		}
		if (prev_process_utility)
			prev_process_utility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
		else
			standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
		if (IsA(pstmt->utilityStmt, DropdbStmt))
		{
			for (int i = 0; i < (int) NUM_TOPICS; i++)
			{
				pg_atomic_write_u64(&slot->commits[i], 0);
				pg_atomic_write_u64(&slot->newest[i], 0);
				pg_atomic_write_u64(&slot->rung[i], 0);
			}
			pg_atomic_write_u32(&slot->prepared, 0);
			pg_atomic_write_u32(&slot->dboid, 0);
		}
	}
	PG_FINALLY();
	{
		pg_atomic_fetch_sub_u32(&slot->ddl, 1);
	}
	PG_END_TRY();
}
