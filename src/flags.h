/*
 * flags.h
 *	  Flags: severities, which are published as alerts, and resolving one.
 */
#ifndef OT_FLAGS_H
#define OT_FLAGS_H

/* The setting that picks which flags are published as alerts. */
extern void FlagsInit(void);
/* Severity of a flag code, from ordertrack.flag_codes; an error for an unknown code. */
extern const char *FlagSeverity(const char *code);
/* Whether a flag of the severity is published as flag_raised. */
extern bool FlagAlerted(const char *severity);
/* Resolves an open flag of a locked order; the order leaves review when nothing blocks it (inside SPI, as owner). */
extern void FlagResolve(Datum shop, Datum order_id, int64 flag_id, const char *who,
						const char *reason, Datum note, bool note_isnull);

#endif							/* OT_FLAGS_H */
