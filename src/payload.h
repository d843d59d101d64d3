/*
 * payload.h
 *	  Event payloads, built as jsonb, and the outbox row that carries one.
 */
#ifndef OT_PAYLOAD_H
#define OT_PAYLOAD_H

#include "utils/jsonb.h"

#include "direct.h"

/*
 * Event payloads are built as jsonb directly (no JSON text to parse).  A
 * Payload is an object under construction.
 */
typedef struct Payload
{
	JsonbParseState *state;
} Payload;

/* Starts an empty object. */
extern void PayloadBegin(Payload *p);
/* Adds key: value, a string or null. */
extern void PayloadText(Payload *p, const char *key, const char *value);
/* Adds key: value, a number. */
extern void PayloadInt8(Payload *p, const char *key, int64 value);
/* Adds key: an array of the n strings. */
extern void PayloadTexts(Payload *p, const char *key, const char *const *values, int n);
/* Writes an outbox row with the payload, through the writer's table events (ordertrack.events). */
extern void PayloadPublish(OtWriter *w, int events, Datum shop, int64 order_id, const char *topic,
						   const char *kind, Payload *payload);

#endif							/* OT_PAYLOAD_H */
