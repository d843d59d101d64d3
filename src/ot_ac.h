/*
 * ot_ac.h
 *	  Multi-keyword search (Aho-Corasick over Unicode code points) for the
 *	  intake checks: address unit words, remark keywords, region names.
 *	  Pure C; no PostgreSQL dependency.
 *
 * Keywords and texts are expected folded (ot_text_fold).  A match obeys the
 * ASCII word-boundary rule of ot_text_contains.  One pass over the text finds
 * every occurrence of every keyword, whatever their number.
 */
#ifndef OT_AC_H
#define OT_AC_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ot_ac ot_ac;

/* Called for each match: keyword id, byte range [start, end) in the text. */
typedef bool (*ot_ac_hit_fn) (int id, size_t start, size_t end, void *arg);

/* An empty automaton; NULL when out of memory. */
extern ot_ac *ot_ac_new(void);

/* Adds a keyword with its id (before ot_ac_build); false when out of memory. */
extern bool ot_ac_add(ot_ac *ac, const char *kw, size_t len, int id);

/* Prepares the automaton for searching; false when out of memory. */
extern bool ot_ac_build(ot_ac *ac);

/*
 * Reports every match in the text to fn, in order of their end; stops early
 * when fn returns false.
 */
extern void ot_ac_scan(const ot_ac *ac, const char *text, size_t len,
					   ot_ac_hit_fn fn, void *arg);

/* Bytes allocated by the automaton. */
extern size_t ot_ac_memory(const ot_ac *ac);

extern void ot_ac_free(ot_ac *ac);

#endif							/* OT_AC_H */
