/*
 * tracking_no.c
 *	  SQL glue for ordertrack.tracking_no: text and binary I/O, casts,
 *	  validation, issuing, and the guard on the issuing secret.
 *
 * The digits and the permutation live in tn_digits.c and tn_permute.c.  The
 * issuing secret is read once per backend, under the identity of the table's
 * owner, and cached with its AES context (a cache of cache.c, rebuilt when
 * the table or the sequence changes).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "commands/sequence.h"
#include "commands/trigger.h"
#include "common/pg_prng.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "port.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "cache.h"
#include "common.h"
#include "tracking_no.h"
#include "tn_digits.h"
#include "tn_permute.h"

PG_FUNCTION_INFO_V1(tracking_no_in);
PG_FUNCTION_INFO_V1(tracking_no_out);
PG_FUNCTION_INFO_V1(tracking_no_recv);
PG_FUNCTION_INFO_V1(tracking_no_send);
PG_FUNCTION_INFO_V1(tracking_no_from_bigint);
PG_FUNCTION_INFO_V1(tracking_no_valid);
PG_FUNCTION_INFO_V1(issue_tracking_no);
PG_FUNCTION_INFO_V1(tracking_secret_generate);
PG_FUNCTION_INFO_V1(tracking_secret_guard);

#define SECRET_TABLE "tracking_secret"
#define SEQUENCE_NAME "tracking_seq"

/* What issuing needs: the cipher is malloc'd (pure C), freed with its context. */
typedef struct Issuer
{
	tn_cipher  *cipher;
	unsigned	issuer;
	MemoryContextCallback free_cipher;
} Issuer;

static void *BuildIssuer(OtCache *cache, Snapshot snapshot);

static OtCache issuer_cache = {
	.name = "ordertrack tracking-number issuer",
	.tables = {SECRET_TABLE, SEQUENCE_NAME},
	.build = BuildIssuer
};

/* This transaction marked the secret in use: if it rolls back, read it again. */
static bool sealed_here = false;

/* Reports text that is not a tracking number, naming the rule it broke. */
static void
report_invalid(const char *input, tn_parse_result r)
{
	char	   *detail;

	switch (r.status)
	{
		case TN_EMPTY:
			detail = psprintf("The value is empty.");
			break;
		case TN_BAD_CHAR:
			{
				const char *c = input + r.offset;
				int			pos = pg_mbstrlen_with_len(input, (int) r.offset) + 1;
				unsigned char b = (unsigned char) *c;

				if (b < 0x20 || b == 0x7f)
					detail = psprintf("Character %d (byte 0x%02x) is not a digit.", pos, b);
				else
					detail = psprintf("Character %d (\"%s\") is not a digit.", pos,
									  pnstrdup(c, pg_mblen(c)));
				break;
			}
		case TN_BAD_LENGTH:
			detail = psprintf("A tracking number has %d digits; this value has %d.",
							  TN_NDIGITS, r.ndigits);
			break;
		case TN_BAD_GROUPING:
			detail = psprintf("Digits may only be grouped as four groups of four, separated by single spaces or by single hyphens.");
			break;
		case TN_LEADING_ZERO:
			detail = psprintf("The first digit of a tracking number is never 0.");
			break;
		case TN_BAD_CHECK:
			detail = psprintf("The check digit is %d, but the first %d digits call for %d.",
							  r.found, TN_NDIGITS - 1, r.expected);
			break;
		default:
			elog(ERROR, "unexpected tracking_no parse status %d", (int) r.status);
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s: \"%s\"", "tracking_no", input),
			 errdetail_internal("%s", detail),
			 r.status == TN_BAD_CHECK ?
			 errhint("Look for a mistyped digit or two swapped neighbouring digits.") : 0));
}

/* Text input: 16 digits, or four groups of four. */
Datum
tracking_no_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	uint64		v = 0;
	tn_parse_result r = tn_parse(str, strlen(str), &v);

	if (r.status != TN_OK)
		report_invalid(str, r);
	PG_RETURN_INT64((int64) v);
}

/* Text output: the 16 digits alone. */
Datum
tracking_no_out(PG_FUNCTION_ARGS)
{
	int64		v = PG_GETARG_INT64(0);
	char	   *out = palloc(TN_NDIGITS + 1);

	if (v < (int64) TN_MIN || v > (int64) TN_MAX)
		elog(ERROR, "tracking_no value " INT64_FORMAT " is out of range", v);
	tn_format((uint64) v, out);
	PG_RETURN_CSTRING(out);
}

/* Binary input: an int8, validated like text input. */
Datum
tracking_no_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int64		v = pq_getmsgint64(buf);

	if (v < 0 || !tn_valid((uint64) v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary value for type %s: " INT64_FORMAT, "tracking_no", v),
				 errdetail("A tracking number has 16 digits, the first not 0, the last a check digit.")));
	PG_RETURN_INT64(v);
}

/* Binary output: an int8. */
Datum
tracking_no_send(PG_FUNCTION_ARGS)
{
	int64		v = PG_GETARG_INT64(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint64(&buf, v);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Cast from bigint, validated like text input. */
Datum
tracking_no_from_bigint(PG_FUNCTION_ARGS)
{
	int64		v = PG_GETARG_INT64(0);

	if (v < 0 || !tn_valid((uint64) v))
	{
		char		str[32];
		uint64		ignored;

		snprintf(str, sizeof(str), INT64_FORMAT, v);
		report_invalid(str, tn_parse(str, strlen(str), &ignored));
	}
	PG_RETURN_INT64(v);
}

/* True if the text is a valid tracking number; never raises. */
Datum
tracking_no_valid(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	uint64		v;

	PG_RETURN_BOOL(tn_parse(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &v).status == TN_OK);
}

/* A secret marked in use by a transaction that rolled back is read again. */
static void
IssuerXactCallback(XactEvent event, void *arg pg_attribute_unused())
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
	{
		if (sealed_here)
			OtCacheInvalidate(&issuer_cache);
		sealed_here = false;
	}
	else if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT ||
			 event == XACT_EVENT_PREPARE)
		sealed_here = false;
}

/* Same for a savepoint rolled back. */
static void
IssuerSubXactCallback(SubXactEvent event,
					  SubTransactionId mySubid pg_attribute_unused(),
					  SubTransactionId parentSubid pg_attribute_unused(),
					  void *arg pg_attribute_unused())
{
	if (event == SUBXACT_EVENT_ABORT_SUB && sealed_here)
		OtCacheInvalidate(&issuer_cache);
}

/* Registers the issuer's cache and its transaction callbacks. */
void
TrackingNoInit(void)
{
	OtCacheRegister(&issuer_cache);
	RegisterXactCallback(IssuerXactCallback, NULL);
	RegisterSubXactCallback(IssuerSubXactCallback, NULL);
}

static void
FreeCipher(void *arg)
{
	tn_cipher_free(((Issuer *) arg)->cipher);
}

/*
 * Reads the secret and the issuer, marking the secret in use the first time.
 * Runs as the table's owner: callers may issue numbers, never read the secret.
 */
static void *
BuildIssuer(OtCache *cache pg_attribute_unused(), Snapshot snapshot pg_attribute_unused())
{
	static SPIPlanPtr read_plan = NULL;
	MemoryContext cxt = CurrentMemoryContext;
	OwnerScope	owner;
	unsigned char secret[TN_SECRET_BYTES];
	unsigned	issuer = 0;
	Issuer	   *is;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	OtEnterOwner(OtRelationOwner(OtRelid(SECRET_TABLE)), &owner);
	for (;;)
	{
		Snapshot	latest = RegisterSnapshot(GetLatestSnapshot());
		bool		isnull;
		int			rc;
		bytea	   *b;

		/* the row as committed now (and as this transaction changed it) */
		rc = SPI_execute_snapshot(OtPrepare(&read_plan, "SELECT secret, issuer, first_issued_at IS NOT NULL"
											" FROM " OT_SCHEMA "." SECRET_TABLE, 0, NULL),
								  NULL, NULL, latest, InvalidSnapshot, true, false, 0);
		UnregisterSnapshot(latest);
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "could not read the tracking-number secret");
		if (SPI_processed != 1)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("the tracking-number secret is missing"),
					 errdetail("Table %s.%s has no row.", OT_SCHEMA, SECRET_TABLE),
					 errhint("Restore the row from a dump of this database; in a new database, recreate the extension.")));
		if (!DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull)))
		{
			/*
			 * First issue with this secret: mark it in use, and take the row
			 * that was marked (a concurrent change may have replaced the one
			 * read); none when another transaction marked it first.
			 */
			if (SPI_execute("UPDATE " OT_SCHEMA "." SECRET_TABLE
							" SET first_issued_at = pg_catalog.now()"
							" WHERE first_issued_at IS NULL RETURNING secret, issuer", false, 0) != SPI_OK_UPDATE_RETURNING)
				elog(ERROR, "could not mark the tracking-number secret in use");
			if (SPI_processed == 0)
				continue;
			sealed_here = true;
		}
		b = DatumGetByteaPP(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		if (isnull || VARSIZE_ANY_EXHDR(b) != TN_SECRET_BYTES)
			elog(ERROR, "tracking-number secret has the wrong length");
		memcpy(secret, VARDATA_ANY(b), TN_SECRET_BYTES);
		issuer = (unsigned) DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
		break;
	}
	OtLeaveOwner(&owner);
	SPI_finish();

	if (issuer >= TN_ISSUERS)
		elog(ERROR, "tracking-number issuer %u is out of range", issuer);
	is = MemoryContextAllocZero(cxt, sizeof(Issuer));
	is->cipher = tn_cipher_new(secret);
	explicit_bzero(secret, sizeof(secret));
	if (is->cipher == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not initialise the cipher for tracking numbers")));
	is->issuer = issuer;
	is->free_cipher.func = FreeCipher;
	is->free_cipher.arg = is;
	MemoryContextRegisterResetCallback(cxt, &is->free_cipher);
	return is;
}

/*
 * Issues a tracking number: the next sequence value whose own number is
 * issuable, through the keyed permutation.
 */
Datum
issue_tracking_no(PG_FUNCTION_ARGS)
{
	uint64		idx;
	uint64		number;
	unsigned	issuer;
	const Issuer *is;

	/* the issuer must be known before a sequence value is spent */
	issuer = ((const Issuer *) OtCacheGet(&issuer_cache))->issuer;
	for (;;)
	{
		int64		seq = nextval_internal(OtRelid(SEQUENCE_NAME), false);

		if (seq < 0 || (uint64) seq >= TN_SEQ_LIMIT)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("tracking-number sequence value " INT64_FORMAT " is out of range", seq),
					 errdetail("Values of %s.%s must lie between 0 and " UINT64_FORMAT ".",
							   OT_SCHEMA, SEQUENCE_NAME, (uint64) (TN_SEQ_LIMIT - 1)),
					 errhint("Restore the sequence's bounds as the extension created them.")));
		idx = tn_input_index((uint64) seq, issuer);
		if (tn_index_issuable(idx))
			break;
	}

	/* nextval may have taken invalidations: reload, keeping the issuer */
	is = OtCacheGet(&issuer_cache);
	if (is->issuer != issuer)
		elog(ERROR, "tracking-number issuer changed from %u to %u while in use", issuer, is->issuer);
	if (!tn_issue(is->cipher, idx, &number))
		elog(ERROR, "could not compute a tracking number");
	PG_RETURN_INT64((int64) number);
}

/* 32 bytes from the strong random source, for a new secret. */
Datum
tracking_secret_generate(PG_FUNCTION_ARGS)
{
	bytea	   *b = palloc(VARHDRSZ + TN_SECRET_BYTES);

	SET_VARSIZE(b, VARHDRSZ + TN_SECRET_BYTES);
	if (!pg_strong_random(VARDATA(b), TN_SECRET_BYTES))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate a random tracking-number secret")));
	PG_RETURN_BYTEA_P(b);
}

/* Refuses to change a secret that numbers were issued with. */
static void
RefuseInUse(const char *since)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("the tracking-number secret is in use and cannot be changed"),
			 errdetail("Tracking numbers have been issued with it since %s; another secret or issuer could issue a number twice.", since),
			 errhint("Keep the secret. To issue from another database of the same group, copy the row there before it issues any number, with its own issuer.")));
}

/*
 * Trigger on ordertrack.tracking_secret.  A row that arrives while the
 * current one was never used replaces it (this is how pg_restore brings back
 * the dumped secret over the one CREATE EXTENSION generated); a secret in use
 * is never updated, deleted, truncated or replaced.
 */
Datum
tracking_secret_guard(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	int			attno;
	bool		isnull;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("tracking_secret_guard must be fired as a BEFORE trigger")));

	if (TRIGGER_FIRED_BY_TRUNCATE(td->tg_event) || TRIGGER_FIRED_BY_INSERT(td->tg_event))
	{
		char	   *since = NULL;

		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		if (SPI_execute("SELECT first_issued_at::text FROM " OT_SCHEMA "." SECRET_TABLE
						" WHERE first_issued_at IS NOT NULL", true, 1) != SPI_OK_SELECT)
			elog(ERROR, "could not read %s.%s", OT_SCHEMA, SECRET_TABLE);
		if (SPI_processed > 0)
			since = pstrdup(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1));
		else if (TRIGGER_FIRED_BY_INSERT(td->tg_event) &&
				 SPI_execute("DELETE FROM " OT_SCHEMA "." SECRET_TABLE, false, 0) != SPI_OK_DELETE)
			elog(ERROR, "could not replace the unused tracking-number secret");
		SPI_finish();
		if (since)
			RefuseInUse(since);
		if (TRIGGER_FIRED_BY_TRUNCATE(td->tg_event))
			return PointerGetDatum(NULL);
		return PointerGetDatum(td->tg_trigtuple);
	}

	if (!TRIGGER_FIRED_FOR_ROW(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("tracking_secret_guard must be fired for each row on UPDATE and DELETE")));
	attno = SPI_fnumber(td->tg_relation->rd_att, "first_issued_at");
	if (attno <= 0)
		elog(ERROR, "%s.%s has no column first_issued_at", OT_SCHEMA, SECRET_TABLE);
	(void) heap_getattr(td->tg_trigtuple, attno, td->tg_relation->rd_att, &isnull);
	if (!isnull)
		RefuseInUse(SPI_getvalue(td->tg_trigtuple, td->tg_relation->rd_att, attno));
	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		return PointerGetDatum(td->tg_newtuple);
	return PointerGetDatum(td->tg_trigtuple);
}
