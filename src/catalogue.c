/*
 * catalogue.c
 *	  Per-backend caches of what intake looks up for every order and what
 *	  rarely changes: the product catalogue (entry by entry, as SKUs are
 *	  seen) and the flag codes (the whole table).  The blacklist, which may
 *	  be long, is read through its index for each order (intake_lookup.c).
 *
 * Both are caches of cache.c: each table has the settings_changed trigger,
 * whose invalidation (when a change commits, and to the changing backend
 * at the end of its statement) drops the cached copy.  A product is read
 * with the latest snapshot and stored only when no invalidation arrived
 * meanwhile, so a change committed in between cannot leave a stale entry
 * behind.
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

#include "cache.h"
#include "catalogue.h"
#include "common.h"
#include "placement.h"
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

static void *NewProducts(OtCache *cache, Snapshot snapshot);
static void *BuildFlagCodes(OtCache *cache, Snapshot snapshot);

static OtCache products = {
	.name = "ordertrack products",
	.tables = {"products"},
	.build = NewProducts
};
static OtCache flag_codes = {
	.name = "ordertrack flag codes",
	.tables = {"flag_codes"},
	.build = BuildFlagCodes
};

void
CatalogueInit(void)
{
	OtCacheRegister(&products);
	OtCacheRegister(&flag_codes);
}

/* An empty hash of entries of the size, keyed by string, in the current context. */
static HTAB *
new_hash(const char *name, Size entrysize)
{
	HASHCTL		ctl;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = NAMEDATALEN * 2;
	ctl.entrysize = entrysize;
	ctl.hcxt = CurrentMemoryContext;
	return hash_create(name, 256, &ctl, HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
}

/* The fixed-size hash key of a string: itself, or truncated (entries keep the full string). */
static void
make_key(char *key, const char *s)
{
	strlcpy(key, s, NAMEDATALEN * 2);
}

/* Looks a string key up in a whole-table cache: the value, or NULL. */
static const char *
string_lookup(HTAB *hash, const char *full)
{
	char		key[NAMEDATALEN * 2];
	StringEntry *e;

	make_key(key, full);
	e = hash_search(hash, key, HASH_FIND, NULL);
	for (; e != NULL; e = e->next)
		if (strcmp(e->full, full) == 0)
			return e->value;
	return NULL;
}

/* Adds a string to a hash of the current context. */
static void
string_store(HTAB *hash, const char *full, const char *value)
{
	char		key[NAMEDATALEN * 2];
	bool		found;
	StringEntry *e;

	make_key(key, full);
	e = hash_search(hash, key, HASH_ENTER, &found);
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
}

/* The flag codes and their severities, as the snapshot shows them. */
static void *
BuildFlagCodes(OtCache *cache pg_attribute_unused(), Snapshot snapshot)
{
	HTAB	   *hash = new_hash("ordertrack flag codes", sizeof(StringEntry));
	Relation	rel = table_open(OtLocalTable("flag_codes"), AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);
	TupleTableSlot *slot = table_slot_create(rel, NULL);
	TableScanDesc scan = table_beginscan(rel, snapshot, 0, NULL);

	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
		string_store(hash, OtSlotText(slot, OtAttnum(desc, "code")), OtSlotText(slot, OtAttnum(desc, "severity")));
	table_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	table_close(rel, NoLock);
	return hash;
}

/* Severity of a flag code (block, warn or info); NULL for an unknown code. */
const char *
CatalogueFlagSeverity(const char *code)
{
	return string_lookup(OtCacheGet(&flag_codes), code);
}

/* The product cache starts empty: products are read as their SKUs are seen. */
static void *
NewProducts(OtCache *cache pg_attribute_unused(), Snapshot snapshot pg_attribute_unused())
{
	return new_hash("ordertrack products", sizeof(ProductEntry));
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
	HTAB	   *hash = OtCacheGet(&products);
	ProductEntry *e;
	OtCacheRead read;
	Relation	rel;
	OtScan		s;
	OtKey		k;
	OtProduct	p;
	bool		isnull;
	bool		found;

	if (hash_get_num_entries(hash) >= OT_PRODUCTS_CACHED)
	{
		/* full: start afresh */
		OtCacheInvalidate(&products);
		hash = OtCacheGet(&products);
	}
	make_key(key, sku);
	e = hash_search(hash, key, HASH_FIND, NULL);
	if (e != NULL && strcmp(e->sku, sku) == 0)
	{
		result = e->p;
		return &result;
	}

	OtCacheReadBegin(&products, &read);
	rel = table_open(OtLocalTable("products"), AccessShareLock);
	memset(&p, 0, sizeof(p));
	k.column = 1;
	k.strategy = BTEqualStrategyNumber;
	k.value = CStringGetTextDatum(sku);
	OtScanBegin(&s, rel, "products_pkey", read.snapshot, 1, &k);
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

	/* stored unless the catalogue changed meanwhile (the strings stay in its context till it is rebuilt) */
	if (OtCacheReadEnd(&products, &read))
	{
		e = hash_search(hash, key, HASH_ENTER, &found);
		e->sku = MemoryContextStrdup(products.cxt, sku);
		e->p = p;
	}
	result = p;
	return &result;
}
