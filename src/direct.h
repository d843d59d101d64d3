/*
 * direct.h
 *	  Reading and writing the extension's tables without SQL statements.
 */
#ifndef OT_DIRECT_H
#define OT_DIRECT_H

#include "access/genam.h"
#include "nodes/execnodes.h"
#include "utils/relcache.h"
#include "utils/snapshot.h"

#define OT_MAX_KEYS 4
#define OT_MAX_WRITE_RELS 4

typedef struct OtKey
{
	AttrNumber	column;			/* index column, from 1 */
	StrategyNumber strategy;	/* BTEqualStrategyNumber, ... */
	Datum		value;
} OtKey;

typedef struct OtScan
{
	Relation	index;
	IndexScanDesc scan;
	TupleTableSlot *slot;
} OtScan;

typedef struct OtWriter
{
	EState	   *estate;
	EPQState	epq;
	int			nrels;
	ResultRelInfo *rels[OT_MAX_WRITE_RELS];
	TupleTableSlot *slots[OT_MAX_WRITE_RELS];
	ExprState **defaults[OT_MAX_WRITE_RELS];	/* of table_defaults' columns, built on first use */
} OtWriter;

/* Registers the invalidation callbacks of direct access's caches. */
extern void DirectInit(void);
/* Whether direct access to the table does what a statement would (else use SQL). */
extern bool OtDirectEquivalent(Relation rel);
/* Starts a scan of heap through its index named index, with the keys. */
extern void OtScanBegin(OtScan *s, Relation heap, const char *index, Snapshot snapshot,
						int nkeys, const OtKey *keys);
/* The next visible row, in s->slot; false at the end. */
extern bool OtScanNext(OtScan *s);
/* Ends a scan. */
extern void OtScanEnd(OtScan *s);
/* A column of the slot's row as a C string, NULL when null. */
extern char *OtSlotText(TupleTableSlot *slot, AttrNumber att);
/* Sets up single-row writes to the given tables. */
extern void OtWriterBegin(OtWriter *w, int nrels, Relation *rels, Snapshot snapshot);
/* Inserts a row into table i of the writer; the other columns get their defaults. */
extern TupleTableSlot *OtInsert(OtWriter *w, int i, int ncols, const char *const *names,
								const Datum *values, const bool *nulls);
/* Updates the row that old holds in table i of the writer. */
extern void OtUpdate(OtWriter *w, int i, TupleTableSlot *old, int ncols, const char *const *names,
					 const Datum *values, const bool *nulls);
/* Fires the queued AFTER triggers and releases the writer. */
extern void OtWriterEnd(OtWriter *w);

#endif							/* OT_DIRECT_H */
