/*
 * ot_text.h
 *	  Text helpers for intake checks: folding, counting what is readable, and
 *	  keyword matching.  Pure C over UTF-8; no PostgreSQL dependency.
 *
 * Folding maps full-width ASCII variants (U+FF01..U+FF5E) to ASCII, the
 * ideographic space (U+3000) to a space, ASCII letters to lower case, and
 * traditional Chinese characters to their simplified forms (data/t2s.tsv:
 * 九龍 -> 九龙, 號 -> 号); everything else is copied.  Invalid UTF-8 is copied
 * byte for byte.
 */
#ifndef OT_TEXT_H
#define OT_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Decodes the UTF-8 character at s[0..len), len > 0, and returns its length.
 * A byte that does not start a valid sequence (invalid, overlong, surrogate,
 * truncated) is returned alone, as a code point equal to its value (>= 0x80).
 */
extern size_t ot_text_decode(const unsigned char *s, size_t len, unsigned *cp);

/*
 * Folds len bytes of s into out (room for len bytes; folding never grows the
 * text) and returns the folded length.
 */
extern size_t ot_text_fold(const char *s, size_t len, char *out);

/*
 * Number of characters in s that carry meaning: letters, digits and
 * ideographs, not whitespace, punctuation, symbols or emoji.
 */
extern size_t ot_text_significant(const char *s, size_t len);

/*
 * True if the folded text contains the folded keyword.  A keyword that
 * begins with an ASCII letter matches only where the text does not have an
 * ASCII letter just before it, and one that ends with an ASCII letter only
 * where the text does not have an ASCII letter just after it: "unit" is found
 * in "unit 5" and "Unit5", not in "community"; "#" and "栋" match anywhere.
 * An empty keyword never matches.
 */
extern bool ot_text_contains(const char *folded, size_t len,
							 const char *folded_kw, size_t kwlen);

/*
 * True when a keyword match that starts at byte start of the folded text is
 * negated: within the OT_NEGATION_WINDOW bytes before it, and after the last
 * clause end (, . ! ? ; : 。 、), the text has a negation word (不要, 不需要,
 * 不用, 无需, 勿, 不必; English no, not, don't, without, never as whole
 * words).  "不要礼品包装" and "no gift wrap" ask for no gift wrap;
 * "不要打电话，短信通知" still asks for a text message.
 */
#define OT_NEGATION_WINDOW 24
extern bool ot_text_negated(const char *folded, size_t start);

#endif							/* OT_TEXT_H */
