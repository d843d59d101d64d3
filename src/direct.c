/*
 * direct.c
 *	  Reading and writing the extension's tables without SQL statements:
 *	  index scans under a snapshot, and inserts and updates through the
 *	  executor's single-row routines (the ones logical replication applies
 *	  changes with), so that constraints, indexes, foreign keys and any
 *	  triggers on the tables act exactly as for an INSERT or UPDATE.
 *
 * A SQL statement run from a trigger pays parsing-free but still sizeable
 * fixed costs (plan cache check, executor start-up and shut-down) that
 * dwarf a single-row look-up; intake runs a handful per order.
 *
 * Tables and indexes are found by their fixed names in schema ordertrack.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "access/htup_details.h"
#include "catalog/dependency.h"
#include "catalog/index.h"
#include "catalog/pg_index.h"
#include "catalog/pg_class.h"
#include "catalog/pg_proc.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "rewrite/rewriteHandler.h"
#include "rewrite/rewriteManip.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "cache.h"
#include "common.h"
#include "compat.h"
#include "direct.h"
#include "placement.h"

/*
 * The comparison function of an index column's operator for a strategy,
 * remembered per (operator family, type, strategy) until operators or
 * operator families change.
 */
#define OPERATOR_SLOTS 16
typedef struct OperatorSlot
{
	Oid			opfamily;
	Oid			type;
	StrategyNumber strategy;
	RegProcedure proc;
} OperatorSlot;
static OperatorSlot operators[OPERATOR_SLOTS];
static int	noperators = 0;

static RegProcedure
strategy_proc(Relation index, AttrNumber column, StrategyNumber strategy)
{
	Oid			opfamily = index->rd_opfamily[column - 1];
	Oid			type = index->rd_opcintype[column - 1];
	Oid			op;
	RegProcedure proc;

	for (int i = 0; i < noperators; i++)
		if (operators[i].opfamily == opfamily && operators[i].type == type &&
			operators[i].strategy == strategy)
			return operators[i].proc;
	op = get_opfamily_member(opfamily, type, type, strategy);
	if (!OidIsValid(op))
		elog(ERROR, "no operator of strategy %d for column %d of index \"%s\"",
			 strategy, column, RelationGetRelationName(index));
	proc = get_opcode(op);
	if (noperators < OPERATOR_SLOTS)
		operators[noperators++] = (OperatorSlot) {opfamily, type, strategy, proc};
	return proc;
}

/*
 * The index of heap that is the extension's index named index: that index,
 * or on a Citus shard of its table the shard's index with the same key
 * columns (by name), access method, uniqueness and predicate presence.
 * Remembered per (heap, name); checked on every use.
 */
#define SHARD_INDEXES 256
typedef struct ShardIndex
{
	Oid			heap;
	const char *name;			/* a caller's string constant */
	Oid			index;
} ShardIndex;
static ShardIndex shard_indexes[SHARD_INDEXES];
static int	nshard_indexes = 0;

/* Whether two indexes (of their heaps) have the same definition, columns compared by name. */
static bool
same_index(Relation a, Oid heap_a, Relation b, Oid heap_b)
{
	if (a->rd_rel->relam != b->rd_rel->relam ||
		a->rd_index->indisunique != b->rd_index->indisunique ||
		a->rd_index->indnkeyatts != b->rd_index->indnkeyatts ||
		a->rd_index->indnatts != b->rd_index->indnatts ||
		heap_attisnull(a->rd_indextuple, Anum_pg_index_indpred, NULL) !=
		heap_attisnull(b->rd_indextuple, Anum_pg_index_indpred, NULL) ||
		heap_attisnull(a->rd_indextuple, Anum_pg_index_indexprs, NULL) !=
		heap_attisnull(b->rd_indextuple, Anum_pg_index_indexprs, NULL))
		return false;
	for (int i = 0; i < a->rd_index->indnatts; i++)
	{
		AttrNumber	x = a->rd_index->indkey.values[i];
		AttrNumber	y = b->rd_index->indkey.values[i];
		char	   *nx;
		char	   *ny;

		if ((x == 0) != (y == 0))
			return false;
		if (x == 0)
			continue;
		nx = get_attname(heap_a, x, false);
		ny = get_attname(heap_b, y, false);
		if (strcmp(nx, ny) != 0 || a->rd_opfamily[i] != b->rd_opfamily[i])
			return false;
	}
	return true;
}

static Oid
index_of(Relation heap, const char *name)
{
	Oid			index = OtRelid(name);
	Oid			relid = RelationGetRelid(heap);
	Oid			base = IndexGetRelation(index, false);
	Relation	wanted;
	List	   *candidates;
	ListCell   *lc;
	Oid			found = InvalidOid;

	if (base == relid)
		return index;
	for (int i = 0; i < nshard_indexes; i++)
		if (shard_indexes[i].heap == relid && strcmp(shard_indexes[i].name, name) == 0)
		{
			if (SearchSysCacheExists1(RELOID, ObjectIdGetDatum(shard_indexes[i].index)))
				return shard_indexes[i].index;
			break;
		}
	wanted = index_open(index, AccessShareLock);
	candidates = RelationGetIndexList(heap);
	foreach(lc, candidates)
	{
		Relation	candidate = index_open(lfirst_oid(lc), AccessShareLock);
		bool		same = same_index(wanted, base, candidate, relid);

		index_close(candidate, AccessShareLock);
		if (same)
		{
			found = lfirst_oid(lc);
			break;
		}
	}
	index_close(wanted, AccessShareLock);
	if (!OidIsValid(found))
		elog(ERROR, "relation \"%s\" has no index like %s.%s",
			 RelationGetRelationName(heap), OT_SCHEMA, name);
	for (int i = 0; i <= nshard_indexes && i < SHARD_INDEXES; i++)
		if (i == nshard_indexes || (shard_indexes[i].heap == relid && strcmp(shard_indexes[i].name, name) == 0))
		{
			shard_indexes[i] = (ShardIndex) {relid, name, found};
			if (i == nshard_indexes)
				nshard_indexes++;
			break;
		}
	return found;
}

/*
 * Starts a scan of heap through its index named index, with the keys
 * (index column, strategy, value); the leading columns must be given in
 * order.  Only rows visible to snapshot are returned.
 */
void
OtScanBegin(OtScan *s, Relation heap, const char *index, Snapshot snapshot,
			int nkeys, const OtKey *keys)
{
	ScanKeyData sk[OT_MAX_KEYS];

	Assert(nkeys <= OT_MAX_KEYS);
	s->index = index_open(index_of(heap, index), AccessShareLock);
	for (int i = 0; i < nkeys; i++)
	{
		int			col = keys[i].column - 1;

		ScanKeyEntryInitialize(&sk[i], 0, keys[i].column, keys[i].strategy, InvalidOid,
							   s->index->rd_indcollation[col],
							   strategy_proc(s->index, keys[i].column, keys[i].strategy), keys[i].value);
	}
	s->slot = table_slot_create(heap, NULL);
	s->scan = OtIndexBeginScan(heap, s->index, snapshot, nkeys);
	index_rescan(s->scan, sk, nkeys, NULL, 0);
}

/* The next visible row, in s->slot; false at the end. */
bool
OtScanNext(OtScan *s)
{
	return index_getnext_slot(s->scan, ForwardScanDirection, s->slot);
}

void
OtScanEnd(OtScan *s)
{
	index_endscan(s->scan);
	ExecDropSingleTupleTableSlot(s->slot);
	index_close(s->index, NoLock);
}

/* A column of the slot's row as a C string, NULL when null. */
char *
OtSlotText(TupleTableSlot *slot, AttrNumber att)
{
	bool		isnull;
	Datum		d = slot_getattr(slot, att, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

/*
 * Column defaults, CHECK constraints and triggers' WHEN clauses, planned
 * once per table and kept until the table's definition changes (a relcache
 * invalidation); the executor would otherwise read and plan them for every
 * writer.  A cache of cache.c that watches each table it holds: an
 * invalidation only marks it, and it is rebuilt at the start of the next
 * writer, never under one (executor state built from an entry points into
 * it).
 */
typedef struct TableDefaults
{
	Oid			relid;
	int			n;
	AttrNumber *atts;			/* the columns with a default, n of them */
	Expr	  **exprs;
	int			nchecks;		/* CHECK constraints, in the relcache's order */
	Expr	  **checks;
	int			ntriggers;		/* the triggers' WHEN clauses, planned, in trigdesc order */
	Oid		   *trigger_oids;
	List	  **whens;			/* NIL: no WHEN clause */
} TableDefaults;

/* (a Citus worker writes to a shard of each table per shard group) */
#define MAX_DEFAULT_TABLES 128
typedef struct DefaultsList
{
	int			n;
	TableDefaults *tables[MAX_DEFAULT_TABLES];
} DefaultsList;

/* Tables found equivalent or not (OtDirectEquivalent). */
#define OT_MAX_EQUIVALENCE 256
typedef struct EquivalenceList
{
	int			n;
	Oid			relids[OT_MAX_EQUIVALENCE];
	bool		equivalent[OT_MAX_EQUIVALENCE];
} EquivalenceList;

/* Both start empty; each table added is watched until the cache is rebuilt. */
static void *
NewDefaults(OtCache *cache pg_attribute_unused(), Snapshot snapshot pg_attribute_unused())
{
	return palloc0(sizeof(DefaultsList));
}

static void *
NewEquivalence(OtCache *cache pg_attribute_unused(), Snapshot snapshot pg_attribute_unused())
{
	return palloc0(sizeof(EquivalenceList));
}

static OtCache defaults_cache = {.name = "ordertrack column defaults", .build = NewDefaults};
static OtCache equivalence_cache = {.name = "ordertrack direct equivalence", .build = NewEquivalence};

/*
 * Whether reading and writing a table directly does what a statement would:
 * a plain table (not partitioned, foreign or a view), without FORCE ROW
 * LEVEL SECURITY (direct access runs as the table's owner, whom policies
 * otherwise spare), whose triggers are all the extension's own or the
 * internal ones of foreign keys (row triggers, which the executor's
 * single-row routines fire; a DBA's trigger may be statement-level, have
 * transition tables or watch columns, which only a statement fires).
 * Remembered per table until an invalidation of it (CREATE TRIGGER, ALTER
 * TABLE ... FORCE ROW LEVEL SECURITY, ...).
 */
bool
OtDirectEquivalent(Relation rel)
{
	Oid			relid = RelationGetRelid(rel);
	EquivalenceList *known = OtCacheGet(&equivalence_cache);
	bool		eq;

	for (int i = 0; i < known->n; i++)
		if (known->relids[i] == relid)
			return known->equivalent[i];
	eq = rel->rd_rel->relkind == RELKIND_RELATION && !rel->rd_rel->relforcerowsecurity;
	if (eq && rel->trigdesc != NULL)
	{
		Oid			ext = get_extension_oid("ordertrack", true);

		for (int i = 0; eq && i < rel->trigdesc->numtriggers; i++)
			eq = rel->trigdesc->triggers[i].tgisinternal ||
				(OidIsValid(ext) &&
				 getExtensionOfObject(ProcedureRelationId, rel->trigdesc->triggers[i].tgfoid) == ext);
	}
	if (known->n < OT_MAX_EQUIVALENCE)
	{
		known->relids[known->n] = relid;
		known->equivalent[known->n] = eq;
		known->n++;
		OtCacheWatch(&equivalence_cache, relid);
	}
	return eq;
}

/* The planned defaults and CHECK constraints of a table locked by the caller. */
static const TableDefaults *
table_defaults(Relation rel)
{
	Oid			relid = RelationGetRelid(rel);
	TupleDesc	desc = RelationGetDescr(rel);
	DefaultsList *known = defaults_cache.data;	/* as OtWriterBegin got it */
	TableDefaults *d;
	MemoryContext old;
	Oid			base_relid;
	Relation	base;

	for (int i = 0; i < known->n; i++)
		if (known->tables[i]->relid == relid)
			return known->tables[i];
	old = MemoryContextSwitchTo(defaults_cache.cxt);
	d = palloc0(sizeof(TableDefaults));
	d->relid = relid;
	d->atts = palloc(sizeof(AttrNumber) * Max(desc->natts, 1));
	d->exprs = palloc(sizeof(Expr *) * Max(desc->natts, 1));
	/*
	 * A Citus shard has no defaults of its own (a statement takes them from
	 * the distributed table before it routes the row): take the table's, by
	 * column name (the shard was created without the table's dropped
	 * columns).  An identity column then draws from the table's sequence,
	 * as a statement on this node would.
	 */
	base_relid = OtShardBase(relid);
	base = OidIsValid(base_relid) ? table_open(base_relid, AccessShareLock) : rel;
	for (int att = 1; att <= desc->natts; att++)
	{
		Node	   *def;
		AttrNumber	base_att = att;

		if (TupleDescAttr(desc, att - 1)->attisdropped ||
			TupleDescAttr(desc, att - 1)->attgenerated)
			continue;
		if (base != rel)
		{
			base_att = get_attnum(base_relid, NameStr(TupleDescAttr(desc, att - 1)->attname));
			if (base_att == InvalidAttrNumber)
				continue;
		}
		def = build_column_default(base, base_att);
		if (def == NULL)
			continue;
		d->atts[d->n] = att;
		d->exprs[d->n] = expression_planner((Expr *) def);
		d->n++;
	}
	if (base != rel)
		table_close(base, NoLock);
	if (desc->constr != NULL && desc->constr->num_check > 0)
	{
		d->nchecks = desc->constr->num_check;
		d->checks = palloc(sizeof(Expr *) * d->nchecks);
		for (int i = 0; i < d->nchecks; i++)
			d->checks[i] = expression_planner(stringToNode(desc->constr->check[i].ccbin));
	}
	if (rel->trigdesc != NULL)
	{
		d->ntriggers = rel->trigdesc->numtriggers;
		d->trigger_oids = palloc(sizeof(Oid) * d->ntriggers);
		d->whens = palloc0(sizeof(List *) * d->ntriggers);
		for (int i = 0; i < d->ntriggers; i++)
		{
			Trigger    *t = &rel->trigdesc->triggers[i];

			d->trigger_oids[i] = t->tgoid;
			if (t->tgqual != NULL)
			{
				/* as TriggerEnabled prepares it */
				Node	   *qual = stringToNode(t->tgqual);

				ChangeVarNodes(qual, PRS2_OLD_VARNO, INNER_VAR, 0);
				ChangeVarNodes(qual, PRS2_NEW_VARNO, OUTER_VAR, 0);
				d->whens[i] = (List *) expression_planner((Expr *) make_ands_implicit((Expr *) qual));
			}
		}
	}
	MemoryContextSwitchTo(old);
	if (known->n < MAX_DEFAULT_TABLES)
	{
		known->tables[known->n++] = d;
		OtCacheWatch(&defaults_cache, relid);
	}
	else
		OtCacheInvalidate(&defaults_cache); /* full: start afresh at the next writer */
	return d;
}

/*
 * Sets up single-row writes to the given tables (opened by the caller
 * with RowExclusiveLock).  AFTER triggers they queue (foreign key checks)
 * fire in OtWriterEnd.
 */
void
OtWriterBegin(OtWriter *w, int nrels, Relation *rels, Snapshot snapshot)
{
	List	   *rtable = NIL;

	Assert(nrels <= OT_MAX_WRITE_RELS);
	/* rebuilt here if a definition changed, never under a writer */
	(void) OtCacheGet(&defaults_cache);
	w->estate = CreateExecutorState();
	for (int i = 0; i < nrels; i++)
	{
		RangeTblEntry *rte = makeNode(RangeTblEntry);

		rte->rtekind = RTE_RELATION;
		rte->relid = RelationGetRelid(rels[i]);
		rte->relkind = rels[i]->rd_rel->relkind;
		rte->rellockmode = RowExclusiveLock;
		rtable = lappend(rtable, rte);
	}
	OtInitRangeTable(w->estate, rtable);
	w->nrels = nrels;
	for (int i = 0; i < nrels; i++)
	{
		ResultRelInfo *rri = makeNode(ResultRelInfo);

		const TableDefaults *d = table_defaults(rels[i]);

		InitResultRelInfo(rri, rels[i], i + 1, NULL, 0);
		/* indexes are opened on the first write that needs them */
		/* the CHECK constraints, from the cache (ExecConstraints would build them) */
		if (d->nchecks > 0 && d->nchecks == RelationGetDescr(rels[i])->constr->num_check)
		{
			MemoryContext old = MemoryContextSwitchTo(w->estate->es_query_cxt);

			OT_RRI_CHECK_EXPRS(rri) = palloc(sizeof(ExprState *) * d->nchecks);
			for (int c = 0; c < d->nchecks; c++)
				OT_RRI_CHECK_EXPRS(rri)[c] = ExecInitExpr(d->checks[c], NULL);
			MemoryContextSwitchTo(old);
		}
		/* the triggers' WHEN clauses, from the cache (TriggerEnabled would build them) */
		if (rri->ri_TrigDesc != NULL && rri->ri_TrigDesc->numtriggers == d->ntriggers)
		{
			MemoryContext old = MemoryContextSwitchTo(w->estate->es_query_cxt);

			for (int t = 0; t < d->ntriggers; t++)
				if (d->whens[t] != NIL && rri->ri_TrigDesc->triggers[t].tgoid == d->trigger_oids[t])
					rri->ri_TrigWhenExprs[t] = ExecInitQual(d->whens[t], NULL);
			MemoryContextSwitchTo(old);
		}
		/* so that the trigger machinery finds it (it is closed by us) */
		w->estate->es_opened_result_relations = lappend(w->estate->es_opened_result_relations, rri);
		w->rels[i] = rri;
		w->defaults[i] = NULL;
		w->slots[i] = ExecInitExtraTupleSlot(w->estate, RelationGetDescr(rels[i]), &TTSOpsVirtual);
	}
	w->estate->es_output_cid = GetCurrentCommandId(true);
	w->estate->es_snapshot = snapshot;
	OtEvalPlanQualInit(&w->epq, w->estate);
	AfterTriggerBeginQuery();
}

/* Opens the indexes of a writer's table, once. */
static void
open_indexes(ResultRelInfo *rri)
{
	if (rri->ri_IndexRelationDescs == NULL)
		ExecOpenIndices(rri, false);
}

/*
 * Inserts a row into table i of the writer: the named columns get the
 * given values, the others their defaults.  Returns the slot holding the
 * row as inserted (valid until the next insert into that table).
 */
TupleTableSlot *
OtInsert(OtWriter *w, int i, int ncols, const char *const *names, const Datum *values, const bool *nulls)
{
	ResultRelInfo *rri = w->rels[i];
	Relation	rel = rri->ri_RelationDesc;
	TupleDesc	desc = RelationGetDescr(rel);
	TupleTableSlot *slot = w->slots[i];
	const TableDefaults *d = table_defaults(rel);
	bool		given[MaxHeapAttributeNumber];
	ExprContext *econtext = GetPerTupleExprContext(w->estate);

	ExecClearTuple(slot);
	memset(given, 0, sizeof(bool) * desc->natts);
	for (int att = 0; att < desc->natts; att++)
	{
		slot->tts_values[att] = (Datum) 0;
		slot->tts_isnull[att] = true;
	}
	for (int c = 0; c < ncols; c++)
	{
		AttrNumber	att = OtAttnum(desc, names[c]);

		slot->tts_values[att - 1] = values[c];
		slot->tts_isnull[att - 1] = nulls[c];
		given[att - 1] = true;
	}
	if (w->defaults[i] == NULL && d->n > 0)
	{
		/* the defaults' executable form, built once per writer and table */
		MemoryContext old = MemoryContextSwitchTo(w->estate->es_query_cxt);

		w->defaults[i] = palloc0(sizeof(ExprState *) * d->n);
		MemoryContextSwitchTo(old);
	}
	for (int k = 0; k < d->n; k++)
	{
		AttrNumber	att = d->atts[k];

		if (given[att - 1])
			continue;
		if (w->defaults[i][k] == NULL)
		{
			MemoryContext old = MemoryContextSwitchTo(w->estate->es_query_cxt);

			w->defaults[i][k] = ExecInitExpr(d->exprs[k], NULL);
			MemoryContextSwitchTo(old);
		}
		slot->tts_values[att - 1] =
			ExecEvalExprSwitchContext(w->defaults[i][k], econtext, &slot->tts_isnull[att - 1]);
	}
	ExecStoreVirtualTuple(slot);
	open_indexes(rri);
	ExecSimpleRelationInsert(rri, w->estate, slot);
	return slot;
}

/*
 * Updates the row that old holds (as read by a scan under the writer's
 * snapshot) in table i: the named columns get the given values, the others
 * keep theirs.
 */
void
OtUpdate(OtWriter *w, int i, TupleTableSlot *old, int ncols, const char *const *names,
		 const Datum *values, const bool *nulls)
{
	ResultRelInfo *rri = w->rels[i];
	Relation	rel = rri->ri_RelationDesc;
	TupleDesc	desc = RelationGetDescr(rel);
	TupleTableSlot *slot = w->slots[i];
	OtIndexUpdate update_indexes;
	List	   *recheck = NIL;

	ExecClearTuple(slot);
	slot_getallattrs(old);
	memcpy(slot->tts_values, old->tts_values, sizeof(Datum) * desc->natts);
	memcpy(slot->tts_isnull, old->tts_isnull, sizeof(bool) * desc->natts);
	for (int c = 0; c < ncols; c++)
	{
		AttrNumber	att = OtAttnum(desc, names[c]);

		slot->tts_values[att - 1] = values[c];
		slot->tts_isnull[att - 1] = nulls[c];
	}
	ExecStoreVirtualTuple(slot);
	if ((rel->trigdesc != NULL && rel->trigdesc->trig_update_before_row) ||
		(desc->constr != NULL && desc->constr->has_generated_stored) || rel->rd_rel->relispartition)
	{
		open_indexes(rri);
		ExecSimpleRelationUpdate(rri, w->estate, &w->epq, old, slot);
		return;
	}

	/*
	 * ExecSimpleRelationUpdate without BEFORE triggers, generated columns or
	 * partitions, and with the indexes opened only when the new row version
	 * needs index entries: an update of columns no index covers is usually
	 * a heap-only tuple, and opening the indexes of orders would cost more
	 * than the update itself.
	 */
	CheckCmdReplicaIdentity(rel, CMD_UPDATE);
	if (desc->constr != NULL)
		ExecConstraints(rri, slot, w->estate);
	update_indexes = OtTupleUpdate(rel, &old->tts_tid, slot, w->estate->es_snapshot);
	if (update_indexes != OT_INDEXES_NONE)
	{
		open_indexes(rri);
		if (rri->ri_NumIndices > 0)
			recheck = OtInsertIndexTuples(rri, slot, w->estate, update_indexes);
	}
	ExecARUpdateTriggers(w->estate, rri, NULL, NULL, &old->tts_tid, NULL, slot, recheck, NULL, false);
	list_free(recheck);
}

/* Fires the queued AFTER triggers and releases the writer. */
void
OtWriterEnd(OtWriter *w)
{
	AfterTriggerEndQuery(w->estate);
	EvalPlanQualEnd(&w->epq);
	for (int i = 0; i < w->nrels; i++)
		ExecCloseIndices(w->rels[i]);
	ExecResetTupleTable(w->estate->es_tupleTable, false);
	FreeExecutorState(w->estate);
	w->estate = NULL;
}

void
DirectInit(void)
{
	OtCacheRegister(&defaults_cache);
	OtCacheRegister(&equivalence_cache);
	CacheRegisterSyscacheCallback(AMOPSTRATEGY, OtForgetAll, PointerGetDatum(&noperators));
	CacheRegisterSyscacheCallback(OPEROID, OtForgetAll, PointerGetDatum(&noperators));
}
