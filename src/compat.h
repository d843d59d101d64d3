/*
 * compat.h
 *	  The PostgreSQL APIs that differ between the supported major versions
 *	  (15, 17, 18), each behind one wrapper, so that the code that uses them
 *	  reads the same on every version: the direct write path's executor
 *	  calls (the range table gained permission entries in 16,
 *	  EvalPlanQualInit its result relations, and an update now says whether
 *	  only summarizing indexes need new entries; 18 asks which range-table
 *	  entries survived pruning, counts index scans, and renamed the CHECK
 *	  constraints' expressions), and 18's prefix pg_noreturn in place of
 *	  the postfix attribute.
 */
#ifndef OT_COMPAT_H
#define OT_COMPAT_H

#include "access/genam.h"
#include "access/tableam.h"
#include "executor/executor.h"
#if PG_VERSION_NUM >= 160000
#include "parser/parse_relation.h"
#endif

/* A function that does not return (18 has only the prefix pg_noreturn). */
#ifndef pg_attribute_noreturn
#define pg_attribute_noreturn() __attribute__((noreturn))
#endif

/*
 * The range table of the writer's relations.  From 16 on, each entry also
 * has a permission entry (the executor reads updated columns from it);
 * ordertrack runs these writes as the tables' owner, after the caller's
 * own statement was checked, so no permission is required of it.
 */
static inline void
OtInitRangeTable(EState *estate, List *rtable)
{
#if PG_VERSION_NUM >= 160000
	List	   *perminfos = NIL;
	ListCell   *lc;

	foreach(lc, rtable)
		(void) addRTEPermissionInfo(&perminfos, (RangeTblEntry *) lfirst(lc));
#if PG_VERSION_NUM >= 180000
	/* every entry is used: none was pruned */
	ExecInitRangeTable(estate, rtable, perminfos, bms_add_range(NULL, 1, list_length(rtable)));
#else
	ExecInitRangeTable(estate, rtable, perminfos);
#endif
#else
	ExecInitRangeTable(estate, rtable);
#endif
}

/* An EPQ state for ExecSimpleRelationUpdate, with no plan of its own. */
static inline void
OtEvalPlanQualInit(EPQState *epq, EState *estate)
{
#if PG_VERSION_NUM >= 160000
	EvalPlanQualInit(epq, estate, NULL, NIL, -1, NIL);
#else
	EvalPlanQualInit(epq, estate, NULL, NIL, -1);
#endif
}

/* Which indexes an updated row needs entries in. */
typedef enum OtIndexUpdate
{
	OT_INDEXES_NONE,			/* none: a heap-only tuple */
	OT_INDEXES_ALL,
	OT_INDEXES_SUMMARIZING		/* only the summarizing ones (BRIN), from 16 on */
} OtIndexUpdate;

static inline OtIndexUpdate
OtTupleUpdate(Relation rel, ItemPointer tid, TupleTableSlot *slot, Snapshot snapshot)
{
#if PG_VERSION_NUM >= 160000
	TU_UpdateIndexes u;

	simple_table_tuple_update(rel, tid, slot, snapshot, &u);
	return u == TU_None ? OT_INDEXES_NONE : u == TU_All ? OT_INDEXES_ALL : OT_INDEXES_SUMMARIZING;
#else
	bool		u;

	simple_table_tuple_update(rel, tid, slot, snapshot, &u);
	return u ? OT_INDEXES_ALL : OT_INDEXES_NONE;
#endif
}

/* The index entries of an updated row; returns the indexes to recheck. */
static inline List *
OtInsertIndexTuples(ResultRelInfo *rri, TupleTableSlot *slot, EState *estate, OtIndexUpdate which)
{
#if PG_VERSION_NUM >= 160000
	return ExecInsertIndexTuples(rri, slot, estate, true, false, NULL, NIL, which == OT_INDEXES_SUMMARIZING);
#else
	(void) which;
	return ExecInsertIndexTuples(rri, slot, estate, true, false, NULL, NIL);
#endif
}

/* An index scan (18 takes a place for instrumentation, unused here). */
static inline IndexScanDesc
OtIndexBeginScan(Relation heap, Relation index, Snapshot snapshot, int nkeys)
{
#if PG_VERSION_NUM >= 180000
	return index_beginscan(heap, index, snapshot, NULL, nkeys, 0);
#else
	return index_beginscan(heap, index, snapshot, nkeys, 0);
#endif
}

/* The executable CHECK constraints of a result relation. */
#if PG_VERSION_NUM >= 180000
#define OT_RRI_CHECK_EXPRS(rri) ((rri)->ri_CheckConstraintExprs)
#else
#define OT_RRI_CHECK_EXPRS(rri) ((rri)->ri_ConstraintExprs)
#endif

#endif							/* OT_COMPAT_H */
