/*
 * ot_text.c
 *	  Folding, significant-character counting and keyword matching.
 */
#include "ot_text.h"
#include "ot_t2s.h"

#include <string.h>

size_t
ot_text_decode(const unsigned char *s, size_t len, unsigned *cp)
{
	unsigned	c = s[0];
	size_t		n;
	unsigned	v;

	if (c < 0x80)
	{
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF)
	{
		n = 2;
		v = c & 0x1F;
	}
	else if (c >= 0xE0 && c <= 0xEF)
	{
		n = 3;
		v = c & 0x0F;
	}
	else if (c >= 0xF0 && c <= 0xF4)
	{
		n = 4;
		v = c & 0x07;
	}
	else
	{
		*cp = c;
		return 1;
	}
	if (n > len)
	{
		*cp = c;
		return 1;
	}
	for (size_t i = 1; i < n; i++)
	{
		if ((s[i] & 0xC0) != 0x80)
		{
			*cp = c;
			return 1;
		}
		v = (v << 6) | (s[i] & 0x3F);
	}
	/* overlong forms and surrogates are invalid: treat the lead byte alone */
	if ((n == 3 && (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))) ||
		(n == 4 && (v < 0x10000 || v > 0x10FFFF)))
	{
		*cp = c;
		return 1;
	}
	*cp = v;
	return n;
}

/* Bit cp set when code point cp has a simplified form in ot_t2s. */
static unsigned char t2s_bits[0x10000 / 8];
static bool t2s_ready = false;

/* The simplified form of a traditional character, or cp itself. */
static unsigned
simplified(unsigned cp)
{
	size_t		lo = 0,
				hi = sizeof ot_t2s / sizeof *ot_t2s;

	if (!t2s_ready)
	{
		for (size_t i = 0; i < sizeof ot_t2s / sizeof *ot_t2s; i++)
			t2s_bits[ot_t2s[i][0] / 8] |= (unsigned char) (1 << (ot_t2s[i][0] % 8));
		t2s_ready = true;
	}
	if (cp > 0xFFFF || !(t2s_bits[cp / 8] & (1 << (cp % 8))))
		return cp;
	while (lo < hi)
	{
		size_t		mid = (lo + hi) / 2;

		if (ot_t2s[mid][0] == cp)
			return ot_t2s[mid][1];
		if (ot_t2s[mid][0] < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return cp;
}

size_t
ot_text_fold(const char *s, size_t len, char *out)
{
	const unsigned char *p = (const unsigned char *) s;
	size_t		i = 0;
	size_t		o = 0;

	while (i < len)
	{
		unsigned	cp;
		size_t		n = ot_text_decode(p + i, len - i, &cp);

		if (n == 3 && cp >= 0xFF01 && cp <= 0xFF5E)
			cp -= 0xFEE0;		/* full-width ASCII variant */
		else if (n == 3 && cp == 0x3000)
			cp = ' ';
		else if (n == 3)
		{
			/* a traditional character as its simplified form: both 3 bytes */
			cp = simplified(cp);
			out[o++] = (char) (0xE0 | (cp >> 12));
			out[o++] = (char) (0x80 | ((cp >> 6) & 0x3F));
			out[o++] = (char) (0x80 | (cp & 0x3F));
			i += n;
			continue;
		}
		else if (n > 1 || cp >= 0x80)
		{
			memcpy(out + o, s + i, n);
			o += n;
			i += n;
			continue;
		}
		if (cp >= 'A' && cp <= 'Z')
			cp += 'a' - 'A';
		out[o++] = (char) cp;
		i += n;
	}
	return o;
}

/* True for code points that are spacing, punctuation, symbols or emoji. */
static bool
is_filler(unsigned cp)
{
	if (cp < 0x80)
		return !((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'));
	return (cp >= 0x80 && cp <= 0xBF) ||	/* Latin-1 controls, punctuation, symbols */
		cp == 0xD7 || cp == 0xF7 ||
		(cp >= 0x2000 && cp <= 0x2BFF) ||	/* punctuation, arrows, maths, shapes */
		(cp >= 0x3000 && cp <= 0x303F) ||	/* CJK punctuation */
		(cp >= 0xFE30 && cp <= 0xFE4F) ||	/* CJK compatibility forms */
		(cp >= 0xFF01 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) ||
		(cp >= 0xFF3B && cp <= 0xFF40) || (cp >= 0xFF5B && cp <= 0xFF65) ||
		(cp >= 0xFE00 && cp <= 0xFE0F) ||	/* variation selectors */
		cp == 0xFEFF || cp == 0xFFFD ||
		(cp >= 0x1F000 && cp <= 0x1FAFF) ||	/* emoji and pictographs */
		(cp >= 0xE0000 && cp <= 0xE007F);	/* tags */
}

size_t
ot_text_significant(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *) s;
	size_t		i = 0;
	size_t		count = 0;

	while (i < len)
	{
		unsigned	cp;
		size_t		n = ot_text_decode(p + i, len - i, &cp);

		/* a stray byte of invalid UTF-8 carries no meaning either */
		if (!(n == 1 && cp >= 0x80) && !is_filler(cp))
			count++;
		i += n;
	}
	return count;
}

static bool
is_ascii_letter(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool
ot_text_contains(const char *folded, size_t len, const char *folded_kw, size_t kwlen)
{
	bool		left,
				right;

	if (kwlen == 0 || kwlen > len)
		return false;
	left = is_ascii_letter((unsigned char) folded_kw[0]);
	right = is_ascii_letter((unsigned char) folded_kw[kwlen - 1]);
	for (size_t i = 0; i + kwlen <= len; i++)
	{
		if (folded[i] != folded_kw[0] || memcmp(folded + i, folded_kw, kwlen) != 0)
			continue;
		if (left && i > 0 && is_ascii_letter((unsigned char) folded[i - 1]))
			continue;
		if (right && i + kwlen < len && is_ascii_letter((unsigned char) folded[i + kwlen]))
			continue;
		return true;
	}
	return false;
}

/* Negation words, folded; English ones match as whole words. */
static const char *const negations[] = {
	"不要", "不需要", "不用", "无需", "勿", "不必",
	"no", "not", "don't", "dont", "without", "never"
};

/* True at a byte that ends a clause: ASCII , . ! ? ; : and newline, 。 and 、. */
static size_t
clause_end(const char *s, size_t i, size_t len)
{
	unsigned char c = (unsigned char) s[i];

	if (c == ',' || c == '.' || c == '!' || c == '?' || c == ';' || c == ':' || c == '\n')
		return 1;
	if (c == 0xE3 && i + 2 < len && (unsigned char) s[i + 1] == 0x80 &&
		((unsigned char) s[i + 2] == 0x82 || (unsigned char) s[i + 2] == 0x81))
		return 3;
	return 0;
}

bool
ot_text_negated(const char *folded, size_t start)
{
	size_t		from = start > OT_NEGATION_WINDOW ? start - OT_NEGATION_WINDOW : 0;

	/* begin at a character boundary, after the last clause end */
	while (from < start && ((unsigned char) folded[from] & 0xC0) == 0x80)
		from++;
	for (size_t i = from; i < start; i++)
	{
		size_t		n = clause_end(folded, i, start);

		if (n > 0)
			from = i + n;
	}
	for (size_t k = 0; k < sizeof(negations) / sizeof(negations[0]); k++)
		if (ot_text_contains(folded + from, start - from, negations[k], strlen(negations[k])))
			return true;
	return false;
}
