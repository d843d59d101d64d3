/*
 * fuzz_ac.c
 *	  libFuzzer target for the keyword automaton (ot_ac), checked against a
 *	  naive search.
 *
 * The input is a text, a NUL byte, then keywords separated by newlines.  The
 * automaton must report exactly the occurrences that the naive search finds:
 * every keyword at every position where the text has the keyword's
 * characters (bytes of invalid UTF-8 being characters of their own) and the
 * ASCII word-boundary rule holds, in order of their end.
 */
#include "ot_ac.h"
#include "ot_text.h"

#include <stdlib.h>
#include <string.h>

int			LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#define MAX_KW 32
#define MAX_HITS 4096

typedef struct hit
{
	int			id;
	size_t		start,
				end;
} hit;

typedef struct hits
{
	hit			h[MAX_HITS];
	int			n;
} hits;

static bool
collect(int id, size_t start, size_t end, void *arg)
{
	hits	   *h = arg;

	if (h->n < MAX_HITS)
		h->h[h->n++] = (hit) {id, start, end};
	return true;
}

static bool
letter(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Character start offsets of s, plus len at the end; returns their count. */
static size_t
boundaries(const char *s, size_t len, size_t *out)
{
	size_t		n = 0;

	for (size_t i = 0; i < len;)
	{
		unsigned	cp;

		out[n++] = i;
		i += ot_text_decode((const unsigned char *) s + i, len - i, &cp);
	}
	out[n++] = len;
	return n;
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const char *nul = memchr(data, 0, size);
	const char *text = (const char *) data;
	size_t		len;
	const char *kw[MAX_KW];
	size_t		kwlen[MAX_KW];
	int			nkw = 0;
	ot_ac	   *ac;
	hits	   *got = calloc(1, sizeof(hits));
	hits	   *want = calloc(1, sizeof(hits));
	size_t	   *tb,
			   *kb;
	size_t		ntb;

	if (nul == NULL || got == NULL || want == NULL)
		goto out;
	len = (size_t) (nul - text);
	for (const char *p = nul + 1, *end = text + size; p < end && nkw < MAX_KW;)
	{
		const char *nl = memchr(p, '\n', (size_t) (end - p));
		size_t		n = nl ? (size_t) (nl - p) : (size_t) (end - p);

		kw[nkw] = p;
		kwlen[nkw++] = n;
		p += n + 1;
	}

	/* naive: at every character start, every keyword; a match must end on a character end */
	tb = malloc(sizeof(size_t) * (len + 2));
	kb = malloc(sizeof(size_t) * (size + 2));
	ntb = boundaries(text, len, tb);
	for (size_t e = 1; e < ntb; e++)	/* by end, as the automaton reports */
		for (int k = 0; k < nkw; k++)
		{
			size_t		end = tb[e];
			size_t		start;
			size_t		nkb;
			bool		same = true;

			if (kwlen[k] == 0 || kwlen[k] > end)
				continue;
			start = end - kwlen[k];
			if (memcmp(text + start, kw[k], kwlen[k]) != 0)
				continue;
			/* the keyword's characters must be the text's characters there */
			nkb = boundaries(kw[k], kwlen[k], kb);
			for (size_t j = 0; j < nkb && same; j++)
			{
				size_t		b = start + kb[j];
				bool		is_boundary = false;

				for (size_t t = 0; t < ntb; t++)
					if (tb[t] == b)
						is_boundary = true;
				same = is_boundary;
			}
			if (!same)
				continue;
			/* and no character of the text may cross the keyword's end from inside */
			if (letter((unsigned char) kw[k][0]) && start > 0 && letter((unsigned char) text[start - 1]))
				continue;
			if (letter((unsigned char) kw[k][kwlen[k] - 1]) && end < len && letter((unsigned char) text[end]))
				continue;
			if (want->n < MAX_HITS)
				want->h[want->n++] = (hit) {k, start, end};
		}
	free(tb);
	free(kb);
	if (want->n >= MAX_HITS)
		goto out;				/* too many to compare in full */

	ac = ot_ac_new();
	if (ac == NULL)
		goto out;
	for (int k = 0; k < nkw; k++)
		if (!ot_ac_add(ac, kw[k], kwlen[k], k))
			abort();
	if (!ot_ac_build(ac))
		abort();
	ot_ac_scan(ac, text, len, collect, got);
	ot_ac_free(ac);

	/* same hits; within one end the order may differ */
	if (got->n != want->n)
		abort();
	for (int i = 0; i < got->n; i++)
	{
		bool		present = false;

		if (i > 0 && got->h[i].end < got->h[i - 1].end)
			abort();
		for (int j = 0; j < want->n && !present; j++)
			present = want->h[j].id == got->h[i].id && want->h[j].start == got->h[i].start &&
				want->h[j].end == got->h[i].end;
		if (!present)
			abort();
	}
out:
	free(got);
	free(want);
	return 0;
}
