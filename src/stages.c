/*
 * stages.c
 *	  The stage graph: which moves an order's stage may make.  An AFTER
 *	  UPDATE trigger on orders enforces it whatever makes the change
 *	  (advance(), a direct UPDATE, intake, resolve_flag), writes the move to
 *	  stage_history, notes when the order entered the stage and publishes
 *	  stage_changed to topic tracking.
 *
 * Who made a move and why: the caller of advance() (or intake, or
 * resolve_flag) says so through StageMoveBegin for the duration of its
 * UPDATE; a direct UPDATE is recorded with the settings ordertrack.actor
 * (else current_user) and ordertrack.reason.
 *
 * Each backend caches the graph; the settings_changed trigger on
 * stage_transitions invalidates it when a change commits.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "cache.h"
#include "common.h"
#include "shop_access.h"
#include "stages.h"

PG_FUNCTION_INFO_V1(order_stage_guard);
PG_FUNCTION_INFO_V1(advance);
PG_FUNCTION_INFO_V1(allowed_stages);
PG_FUNCTION_INFO_V1(calling_role);

typedef struct StageEdge
{
	Oid			from;
	Oid			to;
} StageEdge;

/* The enabled moves, ordered by from_stage then to_stage (the enum's order). */
typedef struct Graph
{
	StageEdge  *edges;
	int			n;
} Graph;

static void *BuildGraph(OtCache *cache, Snapshot snapshot);

static OtCache graph_cache = {
	.name = "ordertrack stage graph",
	.tables = {"stage_transitions"},
	.build = BuildGraph
};

/* Who makes the moves under way, and why (see StageMoveBegin). */
static OtStageMove *current_move = NULL;

static char *ot_actor = NULL;
static char *ot_reason = NULL;

/* No move context outlives its transaction, whatever happened in it. */
static void
StagesXactCallback(XactEvent event, void *arg pg_attribute_unused())
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT || event == XACT_EVENT_PREPARE ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT)
		current_move = NULL;
}

static void
StagesSubXactCallback(SubXactEvent event, SubTransactionId mySubid,
					  SubTransactionId parentSubid pg_attribute_unused(), void *arg pg_attribute_unused())
{
	/* callers restore the context when they catch an error; an abort must never leave a dangling one */
	while (event == SUBXACT_EVENT_ABORT_SUB && current_move != NULL && current_move->subxact == mySubid)
		current_move = current_move->outer;
}

/* Registers the graph's invalidation callback and the settings actor and reason. */
void
StagesInit(void)
{
	OtCacheRegister(&graph_cache);
	RegisterXactCallback(StagesXactCallback, NULL);
	RegisterSubXactCallback(StagesSubXactCallback, NULL);
	DefineCustomStringVariable("ordertrack.actor",
							   "Who is recorded in stage_history for stage changes made by UPDATE statements.",
							   "Empty means current_user. advance() takes its actor as an argument.",
							   &ot_actor, "", PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("ordertrack.reason",
							   "Why, as recorded in stage_history for stage changes made by UPDATE statements.",
							   "Set it with SET LOCAL for one transaction. advance() takes its reason as an argument.",
							   &ot_reason, "", PGC_USERSET, 0, NULL, NULL, NULL);
}

/* Reads the enabled moves as the snapshot shows them. */
static void *
BuildGraph(OtCache *cache pg_attribute_unused(), Snapshot snapshot)
{
	static SPIPlanPtr plan = NULL;
	Graph	   *g = palloc0(sizeof(Graph));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_snapshot(OtPrepare(&plan, "SELECT from_stage, to_stage FROM " OT_SCHEMA ".stage_transitions"
									   " WHERE enabled ORDER BY from_stage, to_stage", 0, NULL),
							 NULL, NULL, snapshot, InvalidSnapshot, true, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read %s.stage_transitions", OT_SCHEMA);
	g->edges = SPI_palloc(sizeof(StageEdge) * Max(SPI_processed, 1));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;

		g->edges[i].from = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
		g->edges[i].to = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull));
	}
	g->n = (int) SPI_processed;
	SPI_finish();
	return g;
}

/* The graph as committed now. */
static const Graph *
CurrentGraph(void)
{
	return (const Graph *) OtCacheGet(&graph_cache);
}

/* Whether the graph allows the move. */
static bool
StageAllowed(Oid from, Oid to)
{
	const Graph *g = CurrentGraph();

	for (int i = 0; i < g->n; i++)
		if (g->edges[i].from == from && g->edges[i].to == to)
			return true;
	return false;
}

static char *
stage_name(Oid stage)
{
	return DatumGetCString(DirectFunctionCall1(enum_out, ObjectIdGetDatum(stage)));
}

/* "a, b, c": the stages the graph allows from the given one, or NULL. */
static char *
allowed_list(Oid from)
{
	const Graph *g = CurrentGraph();
	StringInfoData s;

	initStringInfo(&s);
	for (int i = 0; i < g->n; i++)
		if (g->edges[i].from == from)
			appendStringInfo(&s, "%s%s", s.len > 0 ? ", " : "", stage_name(g->edges[i].to));
	return s.len > 0 ? s.data : NULL;
}

/* The error for a move the graph does not allow. */
void
StageRefuse(int64 order_id, Oid from, Oid to)
{
	char	   *allowed = allowed_list(from);

	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("order " INT64_FORMAT " cannot move from stage %s to %s", order_id,
					stage_name(from), stage_name(to)),
			 errdetail("ordertrack.stage_transitions has no enabled move from %s to %s.",
					   stage_name(from), stage_name(to)),
			 allowed ? errhint("From %s an order can move to: %s.", stage_name(from), allowed)
			 : errhint("No move leaves stage %s.", stage_name(from))));
}

/*
 * Moves made until StageMoveEnd are by the given actor (NULL: the role
 * actor_role) for the given reason (may be NULL).  The caller restores the
 * previous context with StageMoveEnd, also on error (PG_FINALLY).
 */
void
StageMoveBegin(OtStageMove *m, Oid actor_role, const char *actor, const char *reason)
{
	m->actor_role = actor_role;
	m->actor = actor;
	m->reason = reason;
	m->subxact = GetCurrentSubTransactionId();
	m->outer = current_move;
	current_move = m;
}

void
StageMoveEnd(OtStageMove *m)
{
	if (current_move == m)
		current_move = m->outer;
}

/* Adds "key": value (a JSON null for NULL) to an object being built. */
static void
push_text(JsonbParseState **state, const char *key, const char *value)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) key;
	v.val.string.len = strlen(key);
	(void) pushJsonbValue(state, WJB_KEY, &v);
	if (value == NULL)
		v.type = jbvNull;
	else
	{
		v.val.string.val = (char *) value;
		v.val.string.len = strlen(value);
	}
	(void) pushJsonbValue(state, WJB_VALUE, &v);
}

/*
 * The move as orders.stage_move records it: the actor, the reason, the
 * role that made it, and what tells this move from the one before (the
 * process, a count of its moves, the transaction's start).
 */
static Datum
stage_move_token(const OtStageMove *m)
{
	static uint64 moves = 0;
	JsonbParseState *state = NULL;

	(void) pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	push_text(&state, "actor", m->actor ? m->actor : GetUserNameFromId(m->actor_role, false));
	push_text(&state, "reason", m->reason);
	push_text(&state, "role", GetUserNameFromId(GetOuterUserId(), false));
	push_text(&state, "move", psprintf("%d." UINT64_FORMAT ".%s", MyProcPid, ++moves,
									   timestamptz_to_str(GetCurrentTransactionStartTimestamp())));
	return JsonbPGetDatum(JsonbValueToJsonb(pushJsonbValue(&state, WJB_END_OBJECT, NULL)));
}

/* A text member of a JSON object, NULL when absent or not text. */
static const char *
token_text(Jsonb *token, const char *key)
{
	JsonbValue	k;
	JsonbValue *v;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	v = findJsonbValueFromContainer(&token->root, JB_FOBJECT, &k);
	if (v == NULL || v->type != jbvString)
		return NULL;
	return pnstrdup(v->val.string.val, v->val.string.len);
}

/*
 * stage_entered_at (entered; {} when isnull) with the stage entered at the
 * start of this transaction.
 */
Datum
StageEntered(Datum entered, bool isnull, const char *stage)
{
	JsonbParseState *state = NULL;
	JsonbValue	v;
	Datum		added;

	(void) pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	v.type = jbvString;
	v.val.string.val = (char *) stage;
	v.val.string.len = strlen(stage);
	(void) pushJsonbValue(&state, WJB_KEY, &v);
	v.val.string.val = JsonEncodeDateTime(NULL, TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()),
										  TIMESTAMPTZOID, NULL);
	v.val.string.len = strlen(v.val.string.val);
	(void) pushJsonbValue(&state, WJB_VALUE, &v);
	added = JsonbPGetDatum(JsonbValueToJsonb(pushJsonbValue(&state, WJB_END_OBJECT, NULL)));
	return isnull ? added : DirectFunctionCall2(jsonb_concat, entered, added);
}

/*
 * AFTER UPDATE trigger on orders (WHEN the stage changes): refuses a move
 * the graph does not allow (the statement fails and nothing changes);
 * otherwise writes the move to stage_history, notes in stage_entered_at
 * when the order entered the stage, and publishes stage_changed.
 *
 * An AFTER trigger sees the row as the UPDATE found it after waiting for
 * any concurrent change (the version it replaced), so two moves of one
 * order serialise: the second is judged from the stage the first left.  A
 * BEFORE trigger would do the same, but would make every UPDATE of orders
 * lock its row first, whether or not the stage changes.
 */
Datum
order_stage_guard(PG_FUNCTION_ARGS)
{
	static SPIPlanPtr plan = NULL;
	static Oid	plan_types[9];
	static bool plan_role;		/* whether the plan writes stage_history.role */
	bool		has_role;
	TriggerData *td = (TriggerData *) fcinfo->context;
	Relation	rel;
	TupleDesc	desc;
	Oid			types[9];
	Datum		args[9];
	char		nulls[9] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
	AttrNumber	atts[5];
	const char *actor;
	const char *reason;
	const char *role;
	AttrNumber	move_att;
	Datum		token;
	bool		from_null,
				to_null,
				isnull;
	OwnerScope	scope;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		!TRIGGER_FIRED_BY_UPDATE(td->tg_event) || !TRIGGER_FIRED_AFTER(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("order_stage_guard must be fired AFTER UPDATE for each row")));
	rel = td->tg_relation;
	desc = RelationGetDescr(rel);
	atts[0] = OtAttnum(desc, "shop");
	atts[1] = OtAttnum(desc, "order_id");
	atts[2] = OtAttnum(desc, "stage");
	atts[3] = OtAttnum(desc, "tracking_no");
	atts[4] = OtAttnum(desc, "stage_entered_at");
	args[2] = heap_getattr(td->tg_trigtuple, atts[2], desc, &from_null);
	args[3] = heap_getattr(td->tg_newtuple, atts[2], desc, &to_null);
	if (from_null || to_null || DatumGetObjectId(args[2]) == DatumGetObjectId(args[3]))
		return PointerGetDatum(NULL);	/* NOT NULL is the table's to enforce */
	args[1] = heap_getattr(td->tg_newtuple, atts[1], desc, &isnull);
	if (!StageAllowed(DatumGetObjectId(args[2]), DatumGetObjectId(args[3])))
		StageRefuse(DatumGetInt64(args[1]), DatumGetObjectId(args[2]), DatumGetObjectId(args[3]));

	/*
	 * who and why: what the move wrote with the row (it may have been made
	 * on another server: a Citus coordinator), else the caller's context,
	 * else the settings, else current_user
	 */
	role = GetUserNameFromId(GetOuterUserId(), false);
	move_att = OtAttnumIfAny(desc, "stage_move");
	token = move_att == InvalidAttrNumber ? (Datum) 0 :
		heap_getattr(td->tg_newtuple, move_att, desc, &isnull);
	if (move_att != InvalidAttrNumber && !isnull)
	{
		bool		old_null;
		Datum		old = heap_getattr(td->tg_trigtuple, move_att, desc, &old_null);

		if (!old_null && DatumGetBool(DirectFunctionCall2(jsonb_eq, old, token)))
			token = (Datum) 0;	/* an earlier move's */
	}
	else
		token = (Datum) 0;
	if (token != (Datum) 0)
	{
		Jsonb	   *t = DatumGetJsonbP(token);

		actor = token_text(t, "actor");
		reason = token_text(t, "reason");
		if (token_text(t, "role") != NULL)
			role = token_text(t, "role");
		if (actor == NULL)
			actor = GetUserNameFromId(GetUserId(), false);
	}
	else if (current_move != NULL)
	{
		actor = current_move->actor ? current_move->actor : GetUserNameFromId(current_move->actor_role, false);
		reason = current_move->reason;
	}
	else
	{
		actor = (ot_actor && ot_actor[0]) ? ot_actor : GetUserNameFromId(GetUserId(), false);
		reason = (ot_reason && ot_reason[0]) ? ot_reason : NULL;
	}

	args[0] = heap_getattr(td->tg_newtuple, atts[0], desc, &isnull);
	args[4] = CStringGetTextDatum(actor);
	args[5] = reason ? CStringGetTextDatum(reason) : (Datum) 0;
	nulls[5] = reason ? ' ' : 'n';
	args[6] = heap_getattr(td->tg_newtuple, atts[3], desc, &isnull);
	nulls[6] = isnull ? 'n' : ' ';
	args[7] = heap_getattr(td->tg_newtuple, atts[4], desc, &isnull);
	args[7] = StageEntered(args[7], isnull, stage_name(DatumGetObjectId(args[3])));
	types[0] = TEXTOID;
	types[1] = INT8OID;
	types[2] = types[3] = TupleDescAttr(desc, atts[2] - 1)->atttypid;
	types[4] = types[5] = TEXTOID;
	types[6] = TupleDescAttr(desc, atts[3] - 1)->atttypid;
	types[7] = JSONBOID;
	/* the role that made the move, whatever actor it names */
	args[8] = CStringGetTextDatum(role);
	types[8] = TEXTOID;

	/* as the tables' owner: whoever may change the stage gets the move recorded */
	OtEnterOwner(rel->rd_rel->relowner, &scope);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* before 0.9 (a database not yet updated) the history has no role */
	has_role = get_attnum(OtRelid("stage_history"), "role") != InvalidAttrNumber;
	if (plan != NULL && (memcmp(plan_types, types, sizeof(types)) != 0 || plan_role != has_role))
	{
		SPI_freeplan(plan);		/* the extension was created anew or updated */
		plan = NULL;
	}
	if (plan == NULL)
	{
		plan = SPI_prepare(psprintf("WITH h AS ("
						   " INSERT INTO ordertrack.stage_history (shop, order_id, from_stage, to_stage, actor, reason%s)"
						   " VALUES ($1, $2, $3, $4, $5, $6%s) RETURNING change_id, changed_at),"
						   " o AS (UPDATE ordertrack.orders SET stage_entered_at = $8 WHERE shop = $1 AND order_id = $2)"
						   " INSERT INTO ordertrack.events (shop, topic, kind, order_id, payload)"
						   " SELECT $1, 'tracking', 'stage_changed', $2, pg_catalog.jsonb_build_object("
						   " 'order_id', $2, 'from', $3, 'to', $4, 'actor', $5, 'reason', $6,"
						   " 'tracking_no', $7, 'change_id', h.change_id, 'changed_at', h.changed_at) FROM h",
									has_role ? ", role" : "", has_role ? ", $9" : ""),
						   9, types);
		if (plan == NULL || SPI_keepplan(plan) != 0)
			elog(ERROR, "could not prepare the stage history insert");
		memcpy(plan_types, types, sizeof(types));
		plan_role = has_role;
	}
	if (SPI_execute_plan(plan, args, nulls, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not record the stage change");
	SPI_finish();
	OtLeaveOwner(&scope);
	return PointerGetDatum(NULL);
}

/*
 * Runs an UPDATE of orders with SPI, its moves made by the actor (NULL:
 * the role actor_role) for the reason.  Returns the number of rows updated.
 */
uint64
StageMoveExecute(Oid actor_role, const char *actor, const char *reason,
				 const char *sql, int nargs, Oid *types, Datum *args)
{
	OtStageMove move;
	Oid		   *all_types = palloc(sizeof(Oid) * (nargs + 1));
	Datum	   *all_args = palloc(sizeof(Datum) * (nargs + 1));
	bool		has_move = get_attnum(OtRelid("orders"), "stage_move") != InvalidAttrNumber;

	StageMoveBegin(&move, actor_role, actor, reason);
	memcpy(all_types, types, sizeof(Oid) * nargs);
	memcpy(all_args, args, sizeof(Datum) * nargs);
	all_types[nargs] = JSONBOID;
	all_args[nargs] = stage_move_token(&move);
	/* the statement's "%s" sets stage_move (not in a database before 0.11) */
	sql = psprintf(sql, has_move ? psprintf(", stage_move = $%d", nargs + 1) : "");
	PG_TRY();
	{
		if (SPI_execute_with_args(sql, has_move ? nargs + 1 : nargs, all_types, all_args, NULL, false, 0) != SPI_OK_UPDATE)
			elog(ERROR, "could not update the order's stage");
	}
	PG_CATCH();
	{
		StageMoveEnd(&move);
		PG_RE_THROW();
	}
	PG_END_TRY();
	StageMoveEnd(&move);
	return SPI_processed;
}

/*
 * advance(order_id, stage, reason, actor): moves the order to the stage,
 * as the graph allows.  Moving to the stage the order is in changes
 * nothing.  Returns the stage.
 */
Datum
advance(PG_FUNCTION_ARGS)
{
	int64		order_id;
	Oid			target;
	char	   *reason;
	char	   *actor;
	Oid			caller = GetUserId();
	Oid			orders = OtRelid("orders");
	OwnerScope	scope;
	Datum		args[3];
	bool		isnull;
	Datum		shop;
	Oid			stage;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("order_id and stage must not be null")));
	order_id = PG_GETARG_INT64(0);
	target = PG_GETARG_OID(1);
	reason = PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2));
	actor = PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3));
	if (actor != NULL && actor[0] == '\0')
		actor = NULL;

	OtEnterOwner(OtRelationOwner(orders), &scope);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	args[0] = Int64GetDatum(order_id);
	if (SPI_execute_with_args("SELECT shop, stage FROM ordertrack.orders WHERE order_id = $1 ORDER BY shop",
							  1, (Oid[]) {INT8OID}, args, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read order " INT64_FORMAT, order_id);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("order " INT64_FORMAT " does not exist", order_id)));
	if (SPI_processed > 1)
		OtIdAmbiguous("order_id", order_id, 1);
	shop = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	ShopRequireVisible(shop, "order", order_id);
	stage = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	if (stage != target)
	{
		/* refused here with a plain error; the trigger decides on the row as locked */
		if (!StageAllowed(stage, target))
			StageRefuse(order_id, stage, target);
		args[0] = shop;
		args[1] = Int64GetDatum(order_id);
		args[2] = CStringGetTextDatum(stage_name(target));
		if (StageMoveExecute(caller, actor, reason,
							 "UPDATE ordertrack.orders SET stage = $3::text::ordertrack.stage%s"
							 " WHERE shop = $1 AND order_id = $2",
							 3, (Oid[]) {TEXTOID, INT8OID, TEXTOID}, args) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("order " INT64_FORMAT " does not exist", order_id),
					 errdetail("It was deleted while it was being moved.")));
	}
	SPI_finish();
	OtLeaveOwner(&scope);
	PG_RETURN_OID(target);
}

/* allowed_stages(stage): the stages the graph allows from it, in the enum's order. */
Datum
allowed_stages(PG_FUNCTION_ARGS)
{
	Oid			from = PG_GETARG_OID(0);
	Oid			type = get_fn_expr_argtype(fcinfo->flinfo, 0);
	const Graph *g;
	Datum	   *elems;
	int			n = 0;
	int16		typlen;
	bool		typbyval;
	char		typalign;

	if (!OidIsValid(type))
		elog(ERROR, "could not determine the stage type");
	g = CurrentGraph();
	elems = palloc(sizeof(Datum) * Max(g->n, 1));
	for (int i = 0; i < g->n; i++)
		if (g->edges[i].from == from)
			elems[n++] = ObjectIdGetDatum(g->edges[i].to);
	get_typlenbyvalalign(type, &typlen, &typbyval, &typalign);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, n, type, typlen, typbyval, typalign));
}

/*
 * The role the session acts as (as SET ROLE left it), also inside a
 * SECURITY DEFINER function, where current_user is the function's owner:
 * the role that history records and that owns consumers.
 */
Datum
calling_role(PG_FUNCTION_ARGS pg_attribute_unused())
{
	PG_RETURN_TEXT_P(cstring_to_text(GetUserNameFromId(GetOuterUserId(), false)));
}
