/*
 * ordertrack.h
 *	  Shared declarations of the ordertrack extension's parts.
 */
#ifndef ORDERTRACK_H
#define ORDERTRACK_H

#include "access/genam.h"
#include "executor/execdesc.h"
#include "nodes/execnodes.h"
#include "utils/relcache.h"
#include "utils/snapshot.h"

/* Schema that holds every ordertrack object (the extension is not relocatable). */
#define OT_SCHEMA "ordertrack"

/* ordertrack.c: running SPI work as a table's owner */
typedef struct OwnerScope
{
	Oid			userid;
	int			sec_context;
	int			nestlevel;
} OwnerScope;

extern Oid	OtRelationOwner(Oid relid);
extern void OtEnterOwner(Oid owner, OwnerScope *scope);
extern void OtLeaveOwner(OwnerScope *scope);

/* tracking_no.c */
extern void TrackingNoInit(void);

/* intake.c */
typedef struct IntakeRegion
{
	char	   *province;		/* palloc'd names, NULL when not recognised */
	char	   *city;
	char	   *district;
	int			province_code;	/* GB/T 2260 codes, 0 when not recognised */
	int			city_code;
	int			district_code;
	int			code;			/* of the most precise level recognised */
	bool		remote;
} IntakeRegion;

extern int	ot_duplicate_window;
extern int	ot_bulk_quantity;
extern int	ot_address_min_chars;

extern void IntakeInit(void);
extern char *IntakeFold(struct varlena *t, size_t *len);
extern bool IntakeNeedsUnit(const char *folded, size_t len);
extern uint32 IntakeRequestMask(const char *folded, size_t len);
extern const char *IntakeServiceTag(int i);
extern int	IntakeTagIndex(const char *tag);
extern void IntakeLocate(const char *folded, size_t len, IntakeRegion *out);

/* orders.c */
extern void OrdersInit(void);
extern bool ot_intake_sql;

/* direct.c: table access without SQL statements */

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

extern void DirectInit(void);
extern Oid	OtRelid(const char *name);
extern AttrNumber OtAttnum(TupleDesc desc, const char *name);
extern AttrNumber OtAttnumIfAny(TupleDesc desc, const char *name);
extern void OtScanBegin(OtScan *s, Relation heap, const char *index, Snapshot snapshot,
						int nkeys, const OtKey *keys);
extern bool OtScanNext(OtScan *s);
extern void OtScanEnd(OtScan *s);
extern char *OtSlotText(TupleTableSlot *slot, AttrNumber att);
extern void OtWriterBegin(OtWriter *w, int nrels, Relation *rels, Snapshot snapshot);
extern TupleTableSlot *OtInsert(OtWriter *w, int i, int ncols, const char *const *names,
								const Datum *values, const bool *nulls);
extern void OtUpdate(OtWriter *w, int i, TupleTableSlot *old, int ncols, const char *const *names,
					 const Datum *values, const bool *nulls);
extern void OtWriterEnd(OtWriter *w);

/* catalogue.c: per-backend caches of products, flag codes and blacklist */
typedef struct OtProduct
{
	bool		known;			/* the SKU is in the catalogue */
	bool		active;
	bool		fragile;
	bool		cold_chain;
	char	   *title;
	char	   *spec;
	char	   *colour;
} OtProduct;

extern void CatalogueInit(void);
extern const OtProduct *CatalogueProduct(const char *sku);
extern const char *CatalogueFlagSeverity(const char *code);
extern const char *CatalogueBlacklisted(const char *shop, const char *kind, const char *value);

/* stages.c: the stage graph and who moves an order */
typedef struct OtStageMove
{
	Oid			actor_role;		/* recorded as its name unless actor is given */
	const char *actor;
	const char *reason;
	SubTransactionId subxact;
	struct OtStageMove *outer;
} OtStageMove;

extern void StagesInit(void);
extern void StageMoveBegin(OtStageMove *m, Oid actor_role, const char *actor, const char *reason);
extern void StageMoveEnd(OtStageMove *m);
extern uint64 StageMoveExecute(Oid actor_role, const char *actor, const char *reason,
							   const char *sql, int nargs, Oid *types, Datum *args);
extern Datum StageEntered(Datum entered, bool isnull, const char *stage);
extern void StageRefuse(int64 order_id, Oid from, Oid to) pg_attribute_noreturn();

/* events.c: the live push */
extern void EventsInit(void);
extern void EventAnnounce(TupleTableSlot *slot);

#endif							/* ORDERTRACK_H */
