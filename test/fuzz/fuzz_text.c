/*
 * fuzz_text.c
 *	  libFuzzer target for text folding, counting and keyword matching.
 *
 * The input is a text and a keyword separated by the first NUL byte.
 * Beyond memory safety: folding never grows a text and is idempotent; the
 * significant characters are no more than the bytes; a folded text contains
 * itself; a keyword found in a text is found in the text with more around it.
 */
#include "ot_text.h"

#include <stdlib.h>
#include <string.h>

int			LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const char *text = (const char *) data;
	const char *nul = memchr(data, 0, size);
	size_t		tlen = nul ? (size_t) (nul - text) : size;
	const char *kw = nul ? nul + 1 : "";
	size_t		klen = nul ? size - tlen - 1 : 0;
	char	   *ft = malloc(tlen + 1);
	char	   *ft2 = malloc(tlen + 1);
	char	   *fk = malloc(klen + 1);
	char	   *wide = malloc(tlen + 3);
	size_t		nt = ot_text_fold(text, tlen, ft);
	size_t		nt2 = ot_text_fold(ft, nt, ft2);
	size_t		nk = ot_text_fold(kw, klen, fk);

	if (nt > tlen || nk > klen || nt2 != nt || memcmp(ft, ft2, nt) != 0)
		abort();
	if (ot_text_significant(text, tlen) > tlen)
		abort();
	if (nt > 0 && !ot_text_contains(ft, nt, ft, nt))
		abort();
	/* spaces around the text keep every match */
	wide[0] = ' ';
	memcpy(wide + 1, ft, nt);
	wide[nt + 1] = ' ';
	if (ot_text_contains(ft, nt, fk, nk) && !ot_text_contains(wide, nt + 2, fk, nk))
		abort();
	/* negation looks only before the position, at any position */
	for (size_t i = 0; i <= nt; i++)
		(void) ot_text_negated(ft, i);
	free(ft);
	free(ft2);
	free(fk);
	free(wide);
	return 0;
}
