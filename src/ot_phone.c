/*
 * ot_phone.c
 *	  Phone numbers: normalisation and the Chinese numbering plan.
 *
 * Mobile numbers are 11 digits starting 13..19.  Landlines are dialled
 * nationally as 0, an area code (10 or 2x for the largest cities, three
 * digits 3xx..9xx elsewhere) and a local number not starting with 0 or 1,
 * of the length its area code uses (7 or 8 digits); internationally the 0
 * is dropped after +86.  The assigned area codes and their lengths are
 * libphonenumber's (data/cn_area_codes.tsv, built into ot_area_codes.h).
 * Either may carry an extension: a landline's, or a marketplace privacy
 * number's on a mobile (13812345678-1234, 17012345678转5678).  Numbers
 * with another country code are accepted when they are plausible E.164
 * numbers (country code not starting with 0, 8 to 15 digits in all; for
 * +1, the North American plan's 10 digits, area code not starting 0 or 1).
 */
#include "ot_phone.h"
#include "ot_area_codes.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define MAX_DIGITS 24
#define MAX_CUTS 8

typedef struct scanned
{
	char		digits[MAX_DIGITS + 1];	/* the number, digits only */
	int			ndigits;
	bool		plus;			/* written with a leading + */
	char		ext[MAX_DIGITS + 1];	/* extension digits */
	int			next;
	bool		bad;			/* a character that has no place in a number */
	int			cuts[MAX_CUTS];	/* digit counts at hyphens between digits */
	int			ncuts;
} scanned;

/* Matches an ASCII word case-insensitively at s[i]; returns its length or 0. */
static size_t
match_word(const unsigned char *s, size_t len, size_t i, const char *w)
{
	size_t		n = strlen(w);

	if (i + n > len)
		return 0;
	for (size_t k = 0; k < n; k++)
	{
		unsigned char c = s[i + k];

		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (c != (unsigned char) w[k])
			return 0;
	}
	return n;
}

/* A hyphen after some digits: where an extension may begin. */
static void
note_cut(scanned *r, bool in_ext)
{
	if (!in_ext && r->ndigits > 0 && r->ncuts < MAX_CUTS &&
		(r->ncuts == 0 || r->cuts[r->ncuts - 1] != r->ndigits))
		r->cuts[r->ncuts++] = r->ndigits;
}

/*
 * Splits the text into number digits and extension digits, noting where
 * hyphens fall between digits (a privacy number's extension may follow one).
 */
static void
scan(const unsigned char *s, size_t len, scanned *r)
{
	bool		in_ext = false;
	size_t		i = 0;

	memset(r, 0, sizeof(*r));
	while (i < len)
	{
		unsigned char c = s[i];
		int			digit = -1;
		size_t		n;

		if (c >= '0' && c <= '9')
		{
			digit = c - '0';
			n = 1;
		}
		else if (i + 3 <= len && c == 0xEF && s[i + 1] == 0xBC && s[i + 2] >= 0x90 && s[i + 2] <= 0x99)
		{
			digit = s[i + 2] - 0x90;	/* U+FF10..U+FF19 full-width digits */
			n = 3;
		}
		else if (c == '+' || (i + 3 <= len && c == 0xEF && s[i + 1] == 0xBC && s[i + 2] == 0x8B))
		{
			/* + (or full-width +) only before any digit */
			if (r->ndigits > 0 || r->plus || in_ext)
				r->bad = true;
			r->plus = true;
			i += (c == '+') ? 1 : 3;
			continue;
		}
		else if (c == ' ' || c == '\t' || c == '-' || c == '(' || c == ')' || c == '.' || c == '/')
		{
			if (c == '-')
				note_cut(r, in_ext);
			i++;
			continue;
		}
		else if (i + 3 <= len &&
				 ((c == 0xE3 && s[i + 1] == 0x80 && s[i + 2] == 0x80) ||	/* U+3000 */
				  (c == 0xEF && s[i + 1] == 0xBC && (s[i + 2] == 0x88 || s[i + 2] == 0x89 || s[i + 2] == 0x8D)) ||	/* （）－ */
				  (c == 0xE2 && s[i + 1] == 0x80 && s[i + 2] >= 0x90 && s[i + 2] <= 0x95)))	/* ‐‑‒–—― */
		{
			if (!(c == 0xE3 || (c == 0xEF && s[i + 2] != 0x8D)))
				note_cut(r, in_ext);	/* a hyphen or dash, not a space or bracket */
			i += 3;
			continue;
		}
		else if (!in_ext && r->ndigits > 0 &&
				 ((n = match_word(s, len, i, ";ext=")) ||	/* our own normal form */
				  (n = match_word(s, len, i, "ext")) || (n = match_word(s, len, i, "x")) ||
				  (n = (c == '#') ? 1 : 0) ||
				  (n = (i + 3 <= len && memcmp(s + i, "\xe8\xbd\xac", 3) == 0) ? 3 : 0) ||	/* 转 */
				  (n = (i + 6 <= len && memcmp(s + i, "\xe5\x88\x86\xe6\x9c\xba", 6) == 0) ? 6 : 0)))	/* 分机 */
		{
			in_ext = true;
			i += n;
			if (i < len && (s[i] == '.' || s[i] == ':'))
				i++;
			continue;
		}
		else
		{
			r->bad = true;
			i++;
			continue;
		}

		if (in_ext)
		{
			if (r->next < MAX_DIGITS)
				r->ext[r->next] = (char) ('0' + digit);
			r->next++;
		}
		else
		{
			if (r->ndigits < MAX_DIGITS)
				r->digits[r->ndigits] = (char) ('0' + digit);
			r->ndigits++;
		}
		i += n;
	}
}

/*
 * A national significant number of a mobile: 11 digits on an assigned
 * prefix.  libphonenumber 3.2.47's pattern for CN mobiles, which
 * test/scripts/phone_reference.sh checks against the library:
 * 1(?:610\d|740[0-5])\d{6}|1(?:[38]\d|4[57]|[59][0-35-9]|6[25-7]|7[0-35-8])\d{8}
 */
static bool
cn_mobile(const char *d, int n)
{
	if (n != 11 || d[0] != '1')
		return false;
	switch (d[1])
	{
		case '3':
		case '8':
			return true;
		case '4':
			return d[2] == '5' || d[2] == '7';
		case '5':
		case '9':
			return d[2] != '4';
		case '6':
			return (d[2] == '2' || (d[2] >= '5' && d[2] <= '7')) || (d[2] == '1' && d[3] == '0');
		case '7':
			return (d[2] != '4' && d[2] != '9') || (d[2] == '4' && d[3] == '0' && d[4] <= '5');
		default:
			return false;
	}
}

/*
 * The entry of an assigned area code: the lengths of its local numbers and
 * the digits they may start with (bit sets); NULL when unassigned.
 */
static const struct area_code_entry *
area_code(int code)
{
	int			lo = 0,
				hi = (int) (sizeof(ot_area_codes) / sizeof(ot_area_codes[0])) - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;

		if (ot_area_codes[mid].code == code)
			return &ot_area_codes[mid];
		if (ot_area_codes[mid].code < code)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

/* A landline without its trunk 0: an assigned area code, then a local number of its length. */
static bool
cn_landline(const char *d, int n)
{
	int			area;
	int			local;
	int			code;
	const struct area_code_entry *entry;

	if (n < 4 || d[0] == '0' || (d[0] == '1' && d[1] != '0'))
		return false;
	area = (d[0] == '1' || d[0] == '2') ? 2 : 3;
	code = (d[0] - '0') * 10 + (d[1] - '0');
	if (area == 3)
		code = code * 10 + (d[2] - '0');
	local = n - area;
	entry = area_code(code);
	return entry != NULL && local >= 5 && local <= 9 && (entry->lengths & (1u << local)) &&
		(entry->firsts & (1u << (d[area] - '0')));
}

/*
 * Classifies the digits d[0..n) (written with a leading + when plus) with
 * the extension ext[0..next); writes the normal form when valid.
 */
static ot_phone_kind
classify(const char *d, int n, bool plus, const char *ext, int next, char out[OT_PHONE_NORMALISED_MAX])
{
	ot_phone_kind kind;

	/* international prefix: + or 00 */
	if (!plus && n > 2 && d[0] == '0' && d[1] == '0')
	{
		plus = true;
		d += 2;
		n -= 2;
	}
	if (plus)
	{
		if (n >= 2 && d[0] == '8' && d[1] == '6')
		{
			d += 2;
			n -= 2;
			/* "+86 (0)10 ..." keeps the trunk 0 by habit */
			if (n > 0 && d[0] == '0')
			{
				d++;
				n--;
			}
			goto national;
		}
		if (n < 1 || d[0] == '0' || n < 8 || n > 15 || next > 0)
			return OT_PHONE_INVALID;
		/* the North American plan: 10 digits, the area code not starting 0 or 1 */
		if (d[0] == '1' && (n != 11 || d[1] < '2'))
			return OT_PHONE_INVALID;
		snprintf(out, OT_PHONE_NORMALISED_MAX, "+%.*s", n, d);
		return OT_PHONE_INTERNATIONAL;
	}
	/* a national number, perhaps with 86 before a mobile */
	if (n == 13 && d[0] == '8' && d[1] == '6' && cn_mobile(d + 2, 11))
	{
		d += 2;
		n -= 2;
	}
	else if (n > 0 && d[0] == '0')
	{
		/* trunk prefix: a landline, or (long-distance habit) a mobile */
		d++;
		n--;
	}
	else if (!cn_mobile(d, n))
		return OT_PHONE_INVALID;	/* a landline needs its area code */

national:
	if (cn_mobile(d, n))
		kind = OT_PHONE_CN_MOBILE;
	else if (cn_landline(d, n))
		kind = OT_PHONE_CN_LANDLINE;
	else
		return OT_PHONE_INVALID;
	if (next > 0)
		snprintf(out, OT_PHONE_NORMALISED_MAX, "+86%.*s;ext=%.*s", n, d, next, ext);
	else
		snprintf(out, OT_PHONE_NORMALISED_MAX, "+86%.*s", n, d);
	return kind;
}

ot_phone_kind
ot_phone_parse(const char *s, size_t len, char out[OT_PHONE_NORMALISED_MAX])
{
	scanned		r;
	ot_phone_kind kind;

	out[0] = '\0';
	scan((const unsigned char *) s, len, &r);
	if (r.ndigits == 0 && r.next == 0 && !r.bad && !r.plus)
		return OT_PHONE_EMPTY;
	if (r.bad || r.ndigits == 0 || r.ndigits > MAX_DIGITS || r.next > 6)
		return OT_PHONE_INVALID;
	kind = classify(r.digits, r.ndigits, r.plus, r.ext, r.next, out);
	if (kind != OT_PHONE_INVALID || r.next > 0)
		return kind;

	/*
	 * Not a number as a whole: the digits after a hyphen may be an extension
	 * (13812345678-1234, 010-62345678-8001), the latest hyphen first.
	 */
	for (int c = r.ncuts - 1; c >= 0; c--)
	{
		int			cut = r.cuts[c];
		int			rest = r.ndigits - cut;

		if (rest < 1 || rest > 6)
			continue;
		kind = classify(r.digits, cut, r.plus, r.digits + cut, rest, out);
		if (kind == OT_PHONE_CN_MOBILE || kind == OT_PHONE_CN_LANDLINE)
			return kind;
		out[0] = '\0';
	}
	return OT_PHONE_INVALID;
}
