/*
 * catalogue.c
 *	  Per-backend caches of what intake looks up for every order and what
 *	  rarely changes: the product catalogue (entry by entry, as SKUs are
 *	  seen) and the flag codes (the whole table).  The blacklist, which may
 *	  be long, is read through its index for each order (intake_lookup.c).
 *
 * Each of those tables has the settings_changed trigger, which sends a
 * relcache invalidation for the table when a change commits (and to this
 * backend at the end of the changing statement); the callback below drops
 * the cached copy.  An entry is stored only when no invalidation arrived
 * between taking the snapshot it was read with and storing it, so a change
 * committed in between cannot leave a stale entry behind.
 *
 * Memory is bounded: the product cache is emptied when it reaches
 * OT_PRODUCTS_CACHED entries; the flag codes are a small table.
 */
#include "postgres.h"

#include "access/table.h"
#include "access/tableam.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "catalogue.h"
#include "common.h"
#include "direct.h"

#define OT_PRODUCTS_CACHED 65536

typedef struct ProductEntry
{
	char		key[NAMEDATALEN * 2];	/* the SKU, or its hash when long */
	char	   *sku;
	OtProduct	p;
} ProductEntry;

typedef struct StringEntry
{
	char		key[NAMEDATALEN * 2];
	char	   *full;			/* the whole key */
	char	   *value;
	struct StringEntry *next;	/* same hash key, longer full keys */
} StringEntry;

typedef struct Cache
{
	const char *table;
	Oid			relid;
	bool		valid;
	uint64		inval;
	MemoryContext cxt;
	HTAB	   *hash;
} Cache;

static Cache products = {.table = "products"};
static Cache flag_codes = {.table = "flag_codes"};
static Cache *const caches[] = {&products, &flag_codes};

static void
CatalogueRelcacheCallback(Datum arg pg_attribute_unused(), Oid relid)
{
	for (int i = 0; i < (int) lengthof(caches); i++)
		if (relid == InvalidOid || relid == caches[i]->relid)
		{
			caches[i]->valid = false;
			caches[i]->inval++;
		}
}

void
CatalogueInit(void)
{
	CacheRegisterRelcacheCallback(CatalogueRelcacheCallback, (Datum) 0);
}

/* Empties a cache that was invalidated (or never filled). */
static void
cache_reset(Cache *c, Size entrysize)
{
	HASHCTL		ctl;

	if (c->cxt == NULL)
		c->cxt = AllocSetContextCreate(CacheMemoryContext, "ordertrack catalogue cache",
									   ALLOCSET_DEFAULT_SIZES);
	else
		MemoryContextReset(c->cxt);
	c->relid = OtRelid(c->table);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = NAMEDATALEN * 2;
	ctl.entrysize = entrysize;
	ctl.hcxt = c->cxt;
	c->hash = hash_create(c->table, 256, &ctl, HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	c->valid = true;
}

/* The fixed-size hash key of a string: itself, or truncated (entries keep the full string). */
static void
make_key(char *key, const char *s)
{
	strlcpy(key, s, NAMEDATALEN * 2);
}

/* Looks a string key up in a whole-table cache: the value, or NULL. */
static const char *
string_lookup(Cache *c, const char *full)
{
	char		key[NAMEDATALEN * 2];
	StringEntry *e;

	make_key(key, full);
	e = hash_search(c->hash, key, HASH_FIND, NULL);
	for (; e != NULL; e = e->next)
		if (strcmp(e->full, full) == 0)
			return e->value;
	return NULL;
}

static void
string_store(Cache *c, const char *full, const char *value)
{
	char		key[NAMEDATALEN * 2];
	bool		found;
	StringEntry *e;
	MemoryContext old = MemoryContextSwitchTo(c->cxt);

	make_key(key, full);
	e = hash_search(c->hash, key, HASH_ENTER, &found);
	if (found)
	{
		StringEntry *more = palloc(sizeof(StringEntry));

		*more = *e;
		e->next = more;
	}
	else
		e->next = NULL;
	e->full = pstrdup(full);
	e->value = pstrdup(value);
	MemoryContextSwitchTo(old);
}

/*
 * Loads a whole table into a string cache: for each row, the key built by
 * keyfn and the value by valuefn.  Retries when invalidated meanwhile.
 */
static void
load_table(Cache *c, char *(*keyfn) (TupleTableSlot *, TupleDesc),
		   char *(*valuefn) (TupleTableSlot *, TupleDesc))
{
	while (!c->valid)
	{
		uint64		start = c->inval;
		Snapshot	snap;
		Relation	rel;
		TableScanDesc scan;
		TupleTableSlot *slot;

		cache_reset(c, sizeof(StringEntry));
		snap = RegisterSnapshot(GetLatestSnapshot());
		rel = table_open(c->relid, AccessShareLock);
		slot = table_slot_create(rel, NULL);
		scan = table_beginscan(rel, snap, 0, NULL);
		while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
			string_store(c, keyfn(slot, RelationGetDescr(rel)), valuefn(slot, RelationGetDescr(rel)));
		table_endscan(scan);
		ExecDropSingleTupleTableSlot(slot);
		table_close(rel, NoLock);
		UnregisterSnapshot(snap);
		if (c->inval != start)
			c->valid = false;	/* changed while loading: again */
	}
}

static char *
flag_code_key(TupleTableSlot *slot, TupleDesc desc)
{
	return OtSlotText(slot, OtAttnum(desc, "code"));
}

static char *
flag_code_value(TupleTableSlot *slot, TupleDesc desc)
{
	return OtSlotText(slot, OtAttnum(desc, "severity"));
}

/* Severity of a flag code (block, warn or info); NULL for an unknown code. */
const char *
CatalogueFlagSeverity(const char *code)
{
	load_table(&flag_codes, flag_code_key, flag_code_value);
	return string_lookup(&flag_codes, code);
}

static char *
copy_text(TupleTableSlot *slot, TupleDesc desc, const char *col, MemoryContext cxt)
{
	char	   *s = OtSlotText(slot, OtAttnum(desc, col));

	return s ? MemoryContextStrdup(cxt, s) : NULL;
}

/*
 * A product by SKU, from the cache or read with a fresh snapshot.  The
 * result is valid until the next call.
 */
const OtProduct *
CatalogueProduct(const char *sku)
{
	static OtProduct result;
	char		key[NAMEDATALEN * 2];
	ProductEntry *e;
	uint64		start;
	Snapshot	snap;
	Relation	rel;
	OtScan		s;
	OtKey		k;
	OtProduct	p;
	bool		isnull;
	bool		found;

	if (!products.valid || hash_get_num_entries(products.hash) >= OT_PRODUCTS_CACHED)
		cache_reset(&products, sizeof(ProductEntry));
	make_key(key, sku);
	e = hash_search(products.hash, key, HASH_FIND, NULL);
	if (e != NULL && strcmp(e->sku, sku) == 0)
	{
		result = e->p;
		return &result;
	}

	start = products.inval;
	snap = RegisterSnapshot(GetLatestSnapshot());
	rel = table_open(products.relid, AccessShareLock);
	memset(&p, 0, sizeof(p));
	k.column = 1;
	k.strategy = BTEqualStrategyNumber;
	k.value = CStringGetTextDatum(sku);
	OtScanBegin(&s, rel, "products_pkey", snap, 1, &k);
	if (OtScanNext(&s))
	{
		TupleDesc	desc = RelationGetDescr(rel);

		p.known = true;
		p.active = DatumGetBool(slot_getattr(s.slot, OtAttnum(desc, "active"), &isnull));
		p.fragile = DatumGetBool(slot_getattr(s.slot, OtAttnum(desc, "fragile"), &isnull));
		p.cold_chain = DatumGetBool(slot_getattr(s.slot, OtAttnum(desc, "cold_chain"), &isnull));
		p.title = copy_text(s.slot, desc, "title", products.cxt);
		p.spec = copy_text(s.slot, desc, "spec", products.cxt);
		p.colour = copy_text(s.slot, desc, "colour", products.cxt);
	}
	OtScanEnd(&s);
	table_close(rel, NoLock);
	UnregisterSnapshot(snap);

	/* store it unless the catalogue changed meanwhile (the strings stay in cxt till the next reset) */
	if (products.valid && products.inval == start)
	{
		e = hash_search(products.hash, key, HASH_ENTER, &found);
		e->sku = MemoryContextStrdup(products.cxt, sku);
		e->p = p;
	}
	result = p;
	return &result;
}
