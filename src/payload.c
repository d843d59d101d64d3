/*
 * payload.c
 *	  Event payloads, built as jsonb, and the outbox row that carries one:
 *	  what intake publishes today, and every later publisher that writes
 *	  its events without a statement.
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "direct.h"
#include "events.h"
#include "payload.h"

/* Starts an empty object. */
void
PayloadBegin(Payload *p)
{
	p->state = NULL;
	(void) pushJsonbValue(&p->state, WJB_BEGIN_OBJECT, NULL);
}

/* Pushes a string, or null when value is NULL, as token. */
static void
jb_string_value(Payload *p, JsonbIteratorToken token, const char *value)
{
	JsonbValue	v;

	if (value == NULL)
		v.type = jbvNull;
	else
	{
		v.type = jbvString;
		v.val.string.val = (char *) value;
		v.val.string.len = strlen(value);
	}
	(void) pushJsonbValue(&p->state, token, &v);
}

/* Adds key: value, a string or null. */
void
PayloadText(Payload *p, const char *key, const char *value)
{
	jb_string_value(p, WJB_KEY, key);
	jb_string_value(p, WJB_VALUE, value);
}

/* Adds key: value, a number. */
void
PayloadInt8(Payload *p, const char *key, int64 value)
{
	JsonbValue	v;

	jb_string_value(p, WJB_KEY, key);
	v.type = jbvNumeric;
	v.val.numeric = DatumGetNumeric(DirectFunctionCall1(int8_numeric, Int64GetDatum(value)));
	(void) pushJsonbValue(&p->state, WJB_VALUE, &v);
}

/* Adds key: an array of the n strings. */
void
PayloadTexts(Payload *p, const char *key, const char *const *values, int n)
{
	jb_string_value(p, WJB_KEY, key);
	(void) pushJsonbValue(&p->state, WJB_BEGIN_ARRAY, NULL);
	for (int i = 0; i < n; i++)
		jb_string_value(p, WJB_ELEM, values[i]);
	(void) pushJsonbValue(&p->state, WJB_END_ARRAY, NULL);
}

/*
 * Writes an outbox row with the payload, through table events of the
 * writer (ordertrack.events), and ends the payload.
 */
void
PayloadPublish(OtWriter *w, int events, Datum shop, int64 order_id, const char *topic, const char *kind,
			   Payload *payload)
{
	static const char *const cols[5] = {"shop", "topic", "kind", "order_id", "payload"};
	Datum		vals[5];
	bool		nulls[5] = {false, false, false, false, false};

	vals[0] = shop;
	vals[1] = CStringGetTextDatum(topic);
	vals[2] = CStringGetTextDatum(kind);
	vals[3] = Int64GetDatum(order_id);
	vals[4] = JsonbPGetDatum(JsonbValueToJsonb(pushJsonbValue(&payload->state, WJB_END_OBJECT, NULL)));
	/* written without a statement: no statement trigger announces it */
	EventAnnounce(OtInsert(w, events, 5, cols, vals, nulls));
}
