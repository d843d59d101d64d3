/*
 * intake.c
 *	  SQL glue for the intake text checks: phone numbers, significant
 *	  characters, address unit words, special requests and regions.
 *
 * The settings (regions, remote areas, keywords) are loaded once per
 * backend into automata (ot_ac.c, ot_region.c), a cache of cache.c: a
 * change to any of their tables that commits reaches every session's next
 * check, so no session ever uses a stale rule.  Texts are matched in UTF-8
 * whatever the server encoding.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "cache.h"
#include "common.h"
#include "intake.h"
#include "ot_ac.h"
#include "ot_phone.h"
#include "ot_region.h"
#include "ot_unit.h"
#include "ot_text.h"

PG_FUNCTION_INFO_V1(phone_kind);
PG_FUNCTION_INFO_V1(normalize_phone);
PG_FUNCTION_INFO_V1(significant_chars);
PG_FUNCTION_INFO_V1(address_needs_unit);
PG_FUNCTION_INFO_V1(special_requests);
PG_FUNCTION_INFO_V1(locate_region);

/* Service requirement tags, in the order they are listed on an order. */
static const char *const service_tags[] = {
	"weekend_delivery", "parcel_locker", "gift_wrap", "cold_chain",
	"inspect_on_delivery", "sms_only", "fragile", "urgent", "customized"
};
#define NUM_SERVICE_TAGS lengthof(service_tags)

typedef struct RegionInfo
{
	int			code;
	char	   *name;			/* server encoding */
	int8		remote;			/* its remote_regions row: 1 remote, 0 not, -1 none */
} RegionInfo;

/* Per-backend copy of the settings: the automata are malloc'd (pure C). */
typedef struct Settings
{
	ot_regions *regions;
	RegionInfo *info;			/* sorted by code */
	int			ninfo;
	ot_units   *units;
	ot_ac	   *special_words;	/* keyword id = tag index */
	MemoryContextCallback free_automata;
} Settings;

static void *BuildSettings(OtCache *cache, Snapshot snapshot);

static OtCache settings_cache = {
	.name = "ordertrack intake settings",
	.tables = {"regions", "remote_regions", "address_unit_keywords", "special_request_keywords"},
	.build = BuildSettings
};

/* The text as UTF-8 (palloc'd or the same memory) and its length. */
static char *
text_utf8(text *t, size_t *len)
{
	char	   *s = VARDATA_ANY(t);
	int			n = VARSIZE_ANY_EXHDR(t);
	char	   *u;

	if (GetDatabaseEncoding() == PG_UTF8 || GetDatabaseEncoding() == PG_SQL_ASCII)
	{
		*len = (size_t) n;
		return s;
	}
	u = (char *) pg_do_encoding_conversion((unsigned char *) s, n, GetDatabaseEncoding(), PG_UTF8);
	*len = (u == s) ? (size_t) n : strlen(u);
	return u;
}

/* The text as folded UTF-8, palloc'd. */
char *
IntakeFold(text *t, size_t *len)
{
	size_t		n;
	char	   *u = text_utf8(t, &n);
	char	   *f = palloc(n + 1);

	*len = ot_text_fold(u, n, f);
	return f;
}

/* Settings (GUCs) of the intake checks. */
int			ot_duplicate_window = 7200;
int			ot_bulk_quantity = 50;
int			ot_address_min_chars = 8;
int			ot_clock_skew = 300;

/* Registers the settings cache and the GUCs. */
void
IntakeInit(void)
{
	OtCacheRegister(&settings_cache);
	DefineCustomIntVariable("ordertrack.duplicate_window",
							"Orders of the same account and SKU this close together are flagged duplicate_suspect.",
							NULL, &ot_duplicate_window, 7200, 0, INT_MAX / 2,
							PGC_SUSET, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("ordertrack.bulk_quantity",
							"A line with a larger quantity is flagged quantity_unusual.",
							NULL, &ot_bulk_quantity, 50, 1, 1000000,
							PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("ordertrack.clock_skew",
							"How far ahead of the server's time a new order's created_at may be.",
							"A later created_at is refused: it would escape the duplicate window.",
							&ot_clock_skew, 300, 0, 86400,
							PGC_SUSET, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("ordertrack.address_min_chars",
							"An address with fewer letters, digits and ideographs is flagged address_incomplete.",
							NULL, &ot_address_min_chars, 8, 0, 1000,
							PGC_SUSET, 0, NULL, NULL, NULL);
}

/* Frees the automata of a copy of the settings, with its memory context. */
static void
FreeAutomata(void *arg)
{
	Settings   *s = (Settings *) arg;

	ot_regions_free(s->regions);
	ot_units_free(s->units);
	ot_ac_free(s->special_words);
}

static void
out_of_memory(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_OUT_OF_MEMORY),
			 errmsg("out of memory"),
			 errdetail("Could not load the ordertrack intake settings.")));
}

static int
cmp_info(const void *a, const void *b)
{
	int			x = ((const RegionInfo *) a)->code;
	int			y = ((const RegionInfo *) b)->code;

	return (x > y) - (x < y);
}

/* Converts an SPI text value to UTF-8 (palloc'd) and folds it. */
static char *
spi_folded(HeapTuple tup, TupleDesc desc, int col, size_t *len)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);

	if (isnull)
	{
		*len = 0;
		return pstrdup("");
	}
	return IntakeFold(DatumGetTextPP(d), len);
}

/*
 * Loads regions, remote areas and keywords as the snapshot (the active
 * one) shows them, and builds the automata.
 */
static void *
BuildSettings(OtCache *cache pg_attribute_unused(), Snapshot snapshot pg_attribute_unused())
{
	MemoryContext cxt = CurrentMemoryContext;
	Settings   *s = palloc0(sizeof(Settings));
	RegionInfo *info;
	int			ninfo;
	bool		before_0_9;

	s->regions = ot_regions_new();
	s->units = ot_units_new();
	s->special_words = ot_ac_new();
	/* from here, what was built is freed with the context, also on error */
	s->free_automata.func = FreeAutomata;
	s->free_automata.arg = s;
	MemoryContextRegisterResetCallback(cxt, &s->free_automata);
	if (s->regions == NULL || s->units == NULL || s->special_words == NULL)
		out_of_memory();

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/*
	 * Before 0.9 (a database not yet updated) remote_regions was keyed by
	 * province_code and the unit words had no rule: each counted anywhere.
	 */
	before_0_9 = get_attnum(OtRelid("remote_regions"), "region_code") == InvalidAttrNumber;
	if (SPI_execute(psprintf("SELECT r.code, r.level, coalesce(r.parent_code, 0), r.name,"
							 " pg_catalog.array_to_string(r.short_names, ','), r.placeholder, m.remote"
							 " FROM " OT_SCHEMA ".regions r LEFT JOIN " OT_SCHEMA ".remote_regions m"
							 " ON m.%s OPERATOR(pg_catalog.=) r.code",
							 before_0_9 ? "province_code" : "region_code"), true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read %s.regions", OT_SCHEMA);
	ninfo = (int) SPI_processed;
	info = MemoryContextAlloc(cxt, sizeof(RegionInfo) * Max(ninfo, 1));
	for (int i = 0; i < ninfo; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		int			code = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		int			level = DatumGetInt16(SPI_getbinval(tup, desc, 2, &isnull));
		int			parent = DatumGetInt32(SPI_getbinval(tup, desc, 3, &isnull));
		size_t		namelen,
					shortlen;
		char	   *uname = text_utf8(DatumGetTextPP(SPI_getbinval(tup, desc, 4, &isnull)), &namelen);
		char	   *ushort = text_utf8(DatumGetTextPP(SPI_getbinval(tup, desc, 5, &isnull)), &shortlen);
		bool		placeholder = DatumGetBool(SPI_getbinval(tup, desc, 6, &isnull));

		info[i].code = code;
		info[i].remote = DatumGetBool(SPI_getbinval(tup, desc, 7, &isnull));
		if (isnull)
			info[i].remote = -1;
		info[i].name = MemoryContextStrdup(cxt, TextDatumGetCString(SPI_getbinval(tup, desc, 4, &isnull)));
		if (!ot_regions_add(s->regions, code, parent, level, placeholder, uname, namelen, ushort, shortlen))
			out_of_memory();
	}
	qsort(info, ninfo, sizeof(RegionInfo), cmp_info);
	s->info = info;
	s->ninfo = ninfo;
	if (!ot_regions_build(s->regions))
		out_of_memory();

	if (SPI_execute(psprintf("SELECT keyword, %s FROM " OT_SCHEMA ".address_unit_keywords WHERE enabled",
							 before_0_9 ? "'anywhere'" : "rule"), true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read %s.address_unit_keywords", OT_SCHEMA);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		size_t		len;
		char	   *kw = spi_folded(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &len);
		char	   *rule = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
		int			r = rule ? ot_unit_rule_parse(rule) : -1;

		/* the table's CHECK allows only known rules; an empty word folds to nothing */
		if (r >= 0 && len > 0 && !ot_units_add(s->units, kw, len, (ot_unit_rule) r))
			out_of_memory();
	}
	if (!ot_units_build(s->units))
		out_of_memory();

	if (SPI_execute("SELECT keyword, tag FROM " OT_SCHEMA ".special_request_keywords WHERE enabled",
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read %s.special_request_keywords", OT_SCHEMA);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		size_t		len;
		char	   *kw = spi_folded(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &len);
		char	   *tag = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
		int			t;

		for (t = 0; t < (int) NUM_SERVICE_TAGS; t++)
			if (strcmp(tag, service_tags[t]) == 0)
				break;
		if (t < (int) NUM_SERVICE_TAGS && !ot_ac_add(s->special_words, kw, len, t))
			out_of_memory();
	}
	if (!ot_ac_build(s->special_words))
		out_of_memory();

	SPI_finish();
	return s;
}

/* The settings as committed now. */
static const Settings *
CurrentSettings(void)
{
	return (const Settings *) OtCacheGet(&settings_cache);
}

/* How a phone number reads. */
Datum
phone_kind(PG_FUNCTION_ARGS)
{
	size_t		len;
	char	   *s = text_utf8(PG_GETARG_TEXT_PP(0), &len);
	char		out[OT_PHONE_NORMALISED_MAX];
	const char *kind;

	switch (ot_phone_parse(s, len, out))
	{
		case OT_PHONE_EMPTY:
			kind = "empty";
			break;
		case OT_PHONE_CN_MOBILE:
			kind = "cn_mobile";
			break;
		case OT_PHONE_CN_LANDLINE:
			kind = "cn_landline";
			break;
		case OT_PHONE_INTERNATIONAL:
			kind = "international";
			break;
		default:
			kind = "invalid";
	}
	PG_RETURN_TEXT_P(cstring_to_text(kind));
}

/* E.164 form of a phone number, or NULL. */
Datum
normalize_phone(PG_FUNCTION_ARGS)
{
	size_t		len;
	char	   *s = text_utf8(PG_GETARG_TEXT_PP(0), &len);
	char		out[OT_PHONE_NORMALISED_MAX];

	(void) ot_phone_parse(s, len, out);
	if (out[0] == '\0')
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(out));
}

/* Letters, digits and ideographs in a text. */
Datum
significant_chars(PG_FUNCTION_ARGS)
{
	size_t		len;
	char	   *s = text_utf8(PG_GETARG_TEXT_PP(0), &len);

	PG_RETURN_INT32((int32) Min(ot_text_significant(s, len), (size_t) PG_INT32_MAX));
}

/* True when the address names no unit by the rules of address_unit_keywords. */
Datum
address_needs_unit(PG_FUNCTION_ARGS)
{
	size_t		len;
	char	   *f = IntakeFold(PG_GETARG_TEXT_PP(0), &len);

	PG_RETURN_BOOL(IntakeNeedsUnit(f, len));
}

/* Marks the tag of a remarks keyword unless the remarks say not to. */
typedef struct TagScan
{
	const char *text;
	bool		seen[NUM_SERVICE_TAGS];
} TagScan;

static bool
mark_tag(int id, size_t start, size_t end pg_attribute_unused(), void *arg)
{
	TagScan    *scan = (TagScan *) arg;

	if (!ot_text_negated(scan->text, start))
		scan->seen[id] = true;
	return true;
}

/* Service requirement tags asked for by remarks; {none} when none. */
Datum
special_requests(PG_FUNCTION_ARGS)
{
	TagScan		scan = {NULL, {false}};
	Datum		elems[NUM_SERVICE_TAGS];
	int			n = 0;

	if (!PG_ARGISNULL(0))
	{
		size_t		len;

		scan.text = IntakeFold(PG_GETARG_TEXT_PP(0), &len);
		ot_ac_scan(CurrentSettings()->special_words, scan.text, len, mark_tag, &scan);
	}
	for (int t = 0; t < (int) NUM_SERVICE_TAGS; t++)
		if (scan.seen[t])
			elems[n++] = CStringGetTextDatum(service_tags[t]);
	if (n == 0)
		elems[n++] = CStringGetTextDatum("none");
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

static const RegionInfo *
region_info(const Settings *s, int code)
{
	RegionInfo	key = {code, NULL, -1};

	return bsearch(&key, s->info, s->ninfo, sizeof(RegionInfo), cmp_info);
}

/* Province, city and district of an address. */
Datum
locate_region(PG_FUNCTION_ARGS)
{
	size_t		len;
	char	   *f = IntakeFold(PG_GETARG_TEXT_PP(0), &len);
	TupleDesc	desc;
	Datum		values[7];
	bool		nulls[7];
	IntakeRegion r;

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "locate_region must return a composite type");
	IntakeLocate(f, len, &r);
	values[0] = Int32GetDatum(r.province_code);
	values[1] = Int32GetDatum(r.city_code);
	values[2] = Int32GetDatum(r.district_code);
	nulls[0] = r.province == NULL;
	nulls[1] = r.city == NULL;
	nulls[2] = r.district == NULL;
	values[3] = r.province ? CStringGetTextDatum(r.province) : (Datum) 0;
	values[4] = r.city ? CStringGetTextDatum(r.city) : (Datum) 0;
	values[5] = r.district ? CStringGetTextDatum(r.district) : (Datum) 0;
	nulls[3] = nulls[0];
	nulls[4] = nulls[1];
	nulls[5] = nulls[2];
	values[6] = BoolGetDatum(r.remote);
	nulls[6] = nulls[0];
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}

/* True when the folded address names no unit by the unit rules. */
bool
IntakeNeedsUnit(const char *folded, size_t len)
{
	return !ot_units_named(CurrentSettings()->units, folded, len);
}

/* Bit i set when the folded remarks ask for service tag i. */
uint32
IntakeRequestMask(const char *folded, size_t len)
{
	TagScan		scan = {folded, {false}};
	uint32		mask = 0;

	ot_ac_scan(CurrentSettings()->special_words, folded, len, mark_tag, &scan);
	for (int t = 0; t < (int) NUM_SERVICE_TAGS; t++)
		if (scan.seen[t])
			mask |= (uint32) 1 << t;
	return mask;
}

/* Name of service tag i, or NULL past the last; IntakeTagIndex is the reverse. */
const char *
IntakeServiceTag(int i)
{
	return (i >= 0 && i < (int) NUM_SERVICE_TAGS) ? service_tags[i] : NULL;
}

int
IntakeTagIndex(const char *tag)
{
	for (int t = 0; t < (int) NUM_SERVICE_TAGS; t++)
		if (strcmp(tag, service_tags[t]) == 0)
			return t;
	return -1;
}

/* Region of a folded address; names are palloc'd copies, NULL when unknown. */
void
IntakeLocate(const char *folded, size_t len, IntakeRegion *out)
{
	ot_region_match m;
	const RegionInfo *p,
			   *c,
			   *d;

	const Settings *s = CurrentSettings();

	m = ot_regions_match(s->regions, folded, len);
	p = m.province ? region_info(s, m.province) : NULL;
	c = m.city ? region_info(s, m.city) : NULL;
	d = m.district ? region_info(s, m.district) : NULL;
	memset(out, 0, sizeof(*out));
	if (p == NULL)
		return;
	out->province = pstrdup(p->name);
	/* the most precise division with a remote_regions row decides */
	out->remote = (d && d->remote >= 0) ? d->remote : (c && c->remote >= 0) ? c->remote : p->remote > 0;
	out->code = out->province_code = p->code;
	if (c)
	{
		bool		standin = strcmp(c->name, "市辖区") == 0 || strcmp(c->name, "县") == 0 ||
			strstr(c->name, "直辖") != NULL;

		out->city = pstrdup(standin ? p->name : c->name);
		out->code = out->city_code = c->code;
	}
	if (c && d)
	{
		out->district = pstrdup(d->name);
		out->code = out->district_code = d->code;
	}
}
