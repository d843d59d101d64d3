/*
 * common.h
 *	  Helpers shared by the ordertrack extension's parts: the schema, running
 *	  SPI work as a table's owner, SPI statements and results, sorting C
 *	  strings, and the extension's tables and columns found by name.  Below
 *	  every part: it declares nothing of theirs.
 */
#ifndef OT_COMMON_H
#define OT_COMMON_H

#include "compat.h"

#include "access/tupdesc.h"
#include "executor/spi.h"

/* Schema that holds every ordertrack object (the extension is not relocatable). */
#define OT_SCHEMA "ordertrack"

/*
 * ordertrack's advisory locks are of a class of their own (the last field
 * of an advisory lock's tag, objsubid in pg_locks), which neither form of
 * pg_advisory_lock() uses (1 and 2): they never meet an application's.
 */
#define OT_LOCK_CLASS_ACCOUNT 0x4f54	/* intake: one account of a shop */

/* Running SPI work as a table's owner */
typedef struct OwnerScope
{
	Oid			userid;
	int			sec_context;
	int			nestlevel;
} OwnerScope;

/* Registers the invalidation callbacks of the remembered relation OIDs. */
extern void CommonInit(void);
/* Owner of a relation. */
extern Oid	OtRelationOwner(Oid relid);
/* Runs what follows as owner, with a safe search_path, until OtLeaveOwner. */
extern void OtEnterOwner(Oid owner, OwnerScope *scope);
/* Back to the caller's identity and settings. */
extern void OtLeaveOwner(OwnerScope *scope);
/* The statement prepared in *slot, preparing and keeping it on first use. */
extern SPIPlanPtr OtPrepare(SPIPlanPtr *slot, const char *sql, int nargs, Oid *types);
/* Text of a column of the current SPI row, or NULL. */
extern char *OtSpiText(int row, int col);
/* Refuses an id that rows of several shops share (the current SPI result; the shop in shop_col). */
extern void OtIdAmbiguous(const char *what, int64 id, int shop_col) pg_attribute_noreturn();
/* qsort comparison of C strings (an array of char *). */
extern int	OtCStringCmp(const void *a, const void *b);

/* Syscache callback that empties a remembered list: arg points to its count. */
extern void OtForgetAll(Datum arg, int cacheid, uint32 hashvalue);
/* OID of a table, index or sequence of the extension. */
extern Oid	OtRelid(const char *name);
/* Attribute number of a column; an error when the table lacks it. */
extern AttrNumber OtAttnum(TupleDesc desc, const char *name);
/* As OtAttnum, but InvalidAttrNumber when the table lacks the column. */
extern AttrNumber OtAttnumIfAny(TupleDesc desc, const char *name);

#endif							/* OT_COMMON_H */
