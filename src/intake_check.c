/*
 * intake_check.c
 *	  The checks of order intake on one order as read: the customer (name,
 *	  phone, address), the items against the catalogue, special requests,
 *	  and what the look-ups found (duplicates, history, blacklist); what
 *	  they find (flags, service requirements) and why an order is held.
 *	  Reading the order and writing the verdict are in intake_store.c, the
 *	  triggers in intake_trigger.c.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "common/hashfn.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/rel.h"
#include "access/table.h"
#include "access/xact.h"
#include "access/stratnum.h"

#include "catalogue.h"
#include "common.h"
#include "direct.h"
#include "flags.h"
#include "intake.h"
#include "intake_order.h"
#include "payload.h"
#include "stages.h"
#include "ot_phone.h"
#include "ot_text.h"

/*
 * An order's flags of one code, at most: the last one kept counts the others
 * (an order of 100,000 unknown SKUs gets 5 sku_unknown flags, not 100,000).
 */
#define OT_FLAGS_PER_CODE 5

static void
add_flag(Findings *f, const char *code, char *detail)
{
	int			same = 0;
	FoundFlag  *last = NULL;

	for (int i = 0; i < f->n; i++)
		if (strcmp(f->flags[i].code, code) == 0)
		{
			same++;
			last = &f->flags[i];
		}
	if (same == OT_FLAGS_PER_CODE)
	{
		if (last->more == 0)
			last->base = last->detail;
		else
			pfree(last->detail);
		last->more++;
		last->detail = psprintf("%s (and %d more %s finding%s on this order)", last->base, last->more, code,
								last->more == 1 ? "" : "s");
		return;					/* (detail may be the order's own text: not freed) */
	}
	if (f->n == f->cap)
	{
		f->cap = f->cap ? f->cap * 2 : 8;
		f->flags = f->flags ? repalloc(f->flags, sizeof(FoundFlag) * f->cap)
			: palloc(sizeof(FoundFlag) * f->cap);
	}
	f->flags[f->n].code = code;
	f->flags[f->n].detail = detail;
	f->flags[f->n].base = NULL;
	f->flags[f->n].more = 0;
	f->n++;
}

static void
add_tag(Findings *f, const char *tag)
{
	int			t = IntakeTagIndex(tag);

	if (t >= 0)
		f->tags |= (uint32) 1 << t;
}

/* Compares an order line's value with the catalogue's, ignoring case and width. */
static bool
same_text(const char *a, const char *b)
{
	char	   *fa,
			   *fb;
	size_t		na,
				nb;

	if (a == NULL || b == NULL)
		return true;			/* the ERP did not say, or the catalogue does not know */
	if (strcmp(a, b) == 0)
		return true;			/* the usual case, without folding */
	fa = palloc(strlen(a) + 1);
	fb = palloc(strlen(b) + 1);
	na = ot_text_fold(a, strlen(a), fa);
	nb = ot_text_fold(b, strlen(b), fb);
	/* surrounding spaces do not count */
	while (na > 0 && fa[na - 1] == ' ')
		na--;
	while (nb > 0 && fb[nb - 1] == ' ')
		nb--;
	while (na > 0 && *fa == ' ')
		fa++, na--;
	while (nb > 0 && *fb == ' ')
		fb++, nb--;
	return na == nb && memcmp(fa, fb, na) == 0;
}

static size_t
significant(const char *s)
{
	return s ? ot_text_significant(s, strlen(s)) : 0;
}

/* 1. the customer, 2. the items, 3. the special requests */
void
IntakeCheckOrder(const IntakeOrder *o, Findings *f)
{
	if (significant(o->recipient) == 0)
		add_flag(f, "name_missing", psprintf("Recipient: \"%s\".", o->recipient ? o->recipient : ""));
	if (o->phone_normalized == NULL)
		add_flag(f, "phone_invalid", o->phone ? psprintf("Phone \"%s\" is not a number that can be called.", o->phone)
				 : pstrdup("No phone number."));
	if (significant(o->address) < (size_t) ot_address_min_chars)
		add_flag(f, "address_incomplete",
				 psprintf("Address \"%s\" has %zu letters or digits; at least %d are needed.",
						  o->address ? o->address : "", significant(o->address), ot_address_min_chars));
	else
	{
		size_t		len;
		char	   *folded = IntakeFold(cstring_to_text(o->address), &len);

		if (IntakeNeedsUnit(folded, len))
			add_flag(f, "address_needs_unit",
					 psprintf("Address \"%s\" names no building, unit, room or house number.", o->address));
	}
	if (o->province == NULL)
		add_flag(f, "region_unknown", psprintf("No province recognised in \"%s\".", o->address ? o->address : ""));

	if (o->nlines == 0)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("order " INT64_FORMAT " of shop \"%s\" has no lines",
						o->order_id, TextDatumGetCString(o->shop)),
				 errdetail("An order is committed with at least one line."),
				 errhint("Insert the order and its lines in one transaction, or call ordertrack.submit_order().")));
	for (int i = 0; i < o->nlines; i++)
	{
		const IntakeLine *l = &o->lines[i];

		if (!l->known)
			add_flag(f, "sku_unknown", psprintf("SKU %s is not in the catalogue.", l->sku));
		else if (!l->active)
			add_flag(f, "sku_unknown", psprintf("SKU %s is no longer active.", l->sku));
		else
		{
			const char *fields[3] = {"title", "spec", "colour"};
			const char *mine[3] = {l->title, l->spec, l->colour};
			const char *theirs[3] = {l->cat_title, l->cat_spec, l->cat_colour};

			for (int k = 0; k < 3; k++)
				if (!same_text(mine[k], theirs[k]))
					add_flag(f, "sku_mismatch",
							 psprintf("SKU %s %s: \"%s\" in the catalogue, \"%s\" in the order.",
									  l->sku, fields[k], theirs[k], mine[k]));
		}
		if (l->fragile)
			add_tag(f, "fragile");
		if (l->cold_chain)
			add_tag(f, "cold_chain");
		if (l->quantity > ot_bulk_quantity)
			add_flag(f, "quantity_unusual",
					 psprintf("SKU %s: quantity %d, above ordertrack.bulk_quantity (%d).",
							  l->sku, l->quantity, ot_bulk_quantity));
		if (l->customization != NULL && l->customization[0] != '\0')
		{
			add_tag(f, "customized");
			add_flag(f, "customization", psprintf("SKU %s: %s", l->sku, l->customization));
		}
	}

	if (o->remarks != NULL)
	{
		size_t		len;
		char	   *folded = IntakeFold(cstring_to_text(o->remarks), &len);
		uint32		mask = IntakeRequestMask(folded, len);

		if (mask != 0)
		{
			StringInfoData s;

			initStringInfo(&s);
			for (int t = 0; IntakeServiceTag(t); t++)
				if (mask & ((uint32) 1 << t))
					appendStringInfo(&s, "%s%s", s.len ? ", " : "", IntakeServiceTag(t));
			add_flag(f, "special_request", psprintf("Remarks \"%s\" ask for: %s.", o->remarks, s.data));
			f->tags |= mask;
		}
	}
	if (o->urgent)
		add_tag(f, "urgent");
}

/* 4. duplicates, 5. history, 6. blacklist */
void
IntakeCheckLookups(const IntakeOrder *o, Findings *f)
{
	if (o->duplicates != NULL)
		add_flag(f, "duplicate_suspect",
				 psprintf("Account %s ordered the same SKU within %d minutes in order %s.",
						  o->account, ot_duplicate_window / 60, o->duplicates));
	if (o->history != NULL)
		add_flag(f, "customer_history", o->history);
	if (o->blacklisted != NULL)
		add_flag(f, "blacklisted", psprintf("On the blacklist: %s.", o->blacklisted));
}

/* The service requirement tags, in their fixed order; {none} when nothing applies. */
int
IntakeFindingsTags(const Findings *f, const char **tags)
{
	int			n = 0;

	for (int t = 0; IntakeServiceTag(t) && n < INTAKE_MAX_TAGS; t++)
		if (f->tags & ((uint32) 1 << t))
			tags[n++] = IntakeServiceTag(t);
	if (n == 0)
		tags[n++] = "none";
	return n;
}

/* The service requirements as a text[]. */
Datum
IntakeFindingsRequirements(const Findings *f)
{
	const char *names[INTAKE_MAX_TAGS];
	Datum		tags[INTAKE_MAX_TAGS];
	int			n = IntakeFindingsTags(f, names);

	for (int i = 0; i < n; i++)
		tags[i] = CStringGetTextDatum(names[i]);
	return PointerGetDatum(construct_array(tags, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/* The SKUs of the order's lines, distinct and sorted, as a text[]. */
Datum
IntakeOrderSkus(const IntakeOrder *o)
{
	char	  **sorted = palloc(sizeof(char *) * Max(o->nlines, 1));
	Datum	   *elems = palloc(sizeof(Datum) * Max(o->nlines, 1));
	int			n = 0;

	for (int i = 0; i < o->nlines; i++)
		sorted[i] = o->lines[i].sku;
	qsort(sorted, o->nlines, sizeof(char *), OtCStringCmp);
	for (int i = 0; i < o->nlines; i++)
		if (i == 0 || strcmp(sorted[i], sorted[i - 1]) != 0)
			elems[n++] = CStringGetTextDatum(sorted[i]);
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/* Why intake holds the order ("held by intake: a, b"), or NULL when nothing blocks it. */
char *
IntakeHoldReason(const Findings *f)
{
	StringInfoData s;

	s.data = NULL;				/* built only for an order that is held */
	for (int i = 0; i < f->n; i++)
		if (strcmp(FlagSeverity(f->flags[i].code), "block") == 0)
		{
			bool		named = false;	/* each code once */

			for (int k = 0; k < i && !named; k++)
				named = strcmp(f->flags[k].code, f->flags[i].code) == 0;
			if (named)
				continue;
			if (s.data == NULL)
				initStringInfo(&s);
			appendStringInfo(&s, "%s %s", s.len == 0 ? "held by intake:" : ",", f->flags[i].code);
		}
	return s.data;
}
