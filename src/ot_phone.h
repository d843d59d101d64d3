/*
 * ot_phone.h
 *	  Normalising and classifying the phone numbers that orders carry.
 *	  Pure C over UTF-8; no PostgreSQL dependency.
 */
#ifndef OT_PHONE_H
#define OT_PHONE_H

#include <stddef.h>

typedef enum ot_phone_kind
{
	OT_PHONE_EMPTY = 0,			/* nothing but spacing and separators */
	OT_PHONE_INVALID,			/* not a number we can call */
	OT_PHONE_CN_MOBILE,			/* +86 1[3-9]xxxxxxxxx */
	OT_PHONE_CN_LANDLINE,		/* +86, area code, 7 or 8 digits, optional extension */
	OT_PHONE_INTERNATIONAL		/* another country code, a plausible E.164 number */
} ot_phone_kind;

/* Room for "+" 15 digits ";ext=" 6 digits and a NUL. */
#define OT_PHONE_NORMALISED_MAX 32

/*
 * Parses len bytes of s.  Full-width digits, plus and brackets count as
 * their ASCII forms; spaces, hyphens, dots, slashes and brackets are
 * ignored; a prefix +86, 0086 or 86 (before a mobile number) is understood.
 * An extension follows "ext", "x", "#", "转", "分机" or ";ext=" (so that
 * the normal form parses back to itself).  For a valid number
 * writes the E.164 form (with ";ext=N" for an extension) to out, else "".
 */
extern ot_phone_kind ot_phone_parse(const char *s, size_t len,
									char out[OT_PHONE_NORMALISED_MAX]);

#endif							/* OT_PHONE_H */
