/*
 * ot_unit.c
 *	  Unit detection: the rule set of ot_unit.h over one automaton of all
 *	  the rule words; each word found is checked against the text around it.
 */
#include "ot_unit.h"
#include "ot_ac.h"
#include "ot_text.h"

#include <stdlib.h>
#include <string.h>

/* How far (in characters) near_number and house_after look ahead. */
#define NEAR_NUMBER_REACH 4
/* Words found in one address that are looked at (the rest are ignored). */
#define MAX_WORDS 64
#define HOUSE_REACH 8

struct ot_units
{
	ot_ac	   *ac;				/* keyword id = rule */
	size_t		words;
};

static const char *const rule_names[OT_UNIT_NRULES] = {
	[OT_UNIT_AFTER_NUMBER] = "after_number",
	[OT_UNIT_BETWEEN_NUMBERS] = "between_numbers",
	[OT_UNIT_NEAR_NUMBER] = "near_number",
	[OT_UNIT_ROOM_AFTER] = "room_after",
	[OT_UNIT_HOUSE_AFTER] = "house_after",
	[OT_UNIT_SEPARATOR] = "separator",
	[OT_UNIT_ANYWHERE] = "anywhere",
	[OT_UNIT_NOT_UNIT] = "not_unit",
};

const char *
ot_unit_rule_name(ot_unit_rule rule)
{
	return (unsigned) rule < OT_UNIT_NRULES ? rule_names[rule] : NULL;
}

int
ot_unit_rule_parse(const char *name)
{
	for (int r = 0; r < OT_UNIT_NRULES; r++)
		if (strcmp(name, rule_names[r]) == 0)
			return r;
	return -1;
}

ot_units *
ot_units_new(void)
{
	ot_units   *u = calloc(1, sizeof(ot_units));

	if (u != NULL && (u->ac = ot_ac_new()) == NULL)
	{
		free(u);
		return NULL;
	}
	return u;
}

bool
ot_units_add(ot_units *u, const char *word, size_t len, ot_unit_rule rule)
{
	if (len == 0 || (unsigned) rule >= OT_UNIT_NRULES)
		return false;
	u->words++;
	return ot_ac_add(u->ac, word, len, (int) rule);
}

bool
ot_units_build(ot_units *u)
{
	return ot_ac_build(u->ac);
}

/* A word found: its rule and where. */
typedef struct word
{
	int			rule;
	size_t		start,
				end;
} word;

/* The text being checked, and the words found in it. */
typedef struct text
{
	const unsigned char *s;
	size_t		len;
	word		words[MAX_WORDS];
	int			nwords;
} text;

static bool
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_letter(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_chinese_numeral(unsigned cp)
{
	static const unsigned numerals[] = {0x96F6, 0x3007, 0x4E00, 0x4E8C, 0x4E09, 0x56DB, 0x4E94,
	0x516D, 0x4E03, 0x516B, 0x4E5D, 0x5341, 0x767E, 0x4E24};	/* 零〇一二三四五六七八九十百两 */

	for (size_t i = 0; i < sizeof numerals / sizeof *numerals; i++)
		if (cp == numerals[i])
			return true;
	return false;
}

/* The character that ends at byte p (p > 0): its code point and start. */
static size_t
char_before(const text *t, size_t p, unsigned *cp)
{
	size_t		start = p - 1;

	while (start > 0 && p - start < 4 && (t->s[start] & 0xC0) == 0x80)
		start--;
	if (ot_text_decode(t->s + start, t->len - start, cp) != p - start)
	{
		*cp = t->s[p - 1];
		return p - 1;
	}
	return start;
}

/* The character that starts at byte p (p < len): its code point and length. */
static size_t
char_at(const text *t, size_t p, unsigned *cp)
{
	return ot_text_decode(t->s + p, t->len - p, cp);
}

static bool
text_has(const text *t, size_t p, const char *word)
{
	size_t		n = strlen(word);

	return p + n <= t->len && memcmp(t->s + p, word, n) == 0;
}

static size_t
skip_spaces_back(const text *t, size_t p)
{
	while (p > 0 && t->s[p - 1] == ' ')
		p--;
	return p;
}

static size_t
skip_spaces(const text *t, size_t p)
{
	while (p < t->len && t->s[p] == ' ')
		p++;
	return p;
}

/* Whether a number ends at byte p. */
static bool
number_ends_at(const text *t, size_t p)
{
	unsigned	cp;

	if (p == 0)
		return false;
	if (is_digit(t->s[p - 1]))
		return true;
	if (is_letter(t->s[p - 1]))
		return p == 1 || !is_letter(t->s[p - 2]);	/* a lone letter: B座 */
	char_before(t, p, &cp);
	return is_chinese_numeral(cp);
}

/*
 * Whether a number starts at byte p; *end gets where it ends and *digits
 * the count of its ASCII digits.
 */
static bool
number_starts_at(const text *t, size_t p, size_t *end, size_t *digits)
{
	size_t		q = p;
	unsigned	cp;

	*digits = 0;
	if (p >= t->len)
		return false;
	while (q < t->len && is_letter(t->s[q]))
		q++;
	if (q - p > 2)
		return false;			/* a word, not a number */
	while (q < t->len && is_digit(t->s[q]))
	{
		q++;
		(*digits)++;
	}
	if (*digits > 0)
	{
		while (q < t->len && is_letter(t->s[q]) && q - p < 12)
			q++;				/* 12a */
		*end = q;
		return true;
	}
	if (q - p == 1)
	{
		*end = q;				/* a lone letter: Block B */
		return true;
	}
	if (q > p)
		return false;
	for (size_t n; q < t->len && (n = char_at(t, q, &cp)) > 0 && is_chinese_numeral(cp); q += n)
		;
	*end = q;
	return q > p;
}

/* A number just before byte p, with at most 号 or # and spaces between. */
static bool
number_before(const text *t, size_t p)
{
	p = skip_spaces_back(t, p);
	if (p >= 3 && memcmp(t->s + p - 3, "号", 3) == 0)
		p -= 3;
	else if (p >= 1 && t->s[p - 1] == '#')
		p -= 1;
	return number_ends_at(t, skip_spaces_back(t, p));
}

/* A number right after byte p, after spaces and at most one of # : . */
static bool
number_after(const text *t, size_t p)
{
	size_t		end,
				digits;

	p = skip_spaces(t, p);
	if (p < t->len && (t->s[p] == '#' || t->s[p] == ':' || t->s[p] == '.'))
		p = skip_spaces(t, p + 1);
	return number_starts_at(t, p, &end, &digits);
}

/* Whether the character at p ends a clause or starts a street name. */
static bool
stops_search(const text *t, size_t p)
{
	static const char *const stops[] = {",", ";", "，", "；", "。", "、", "路", "街", "道", "巷"};

	for (size_t i = 0; i < sizeof stops / sizeof *stops; i++)
		if (text_has(t, p, stops[i]))
			return true;
	return false;
}

/* A number right after the word's end p, or within a few characters. */
static bool
number_ahead(const text *t, size_t p)
{
	for (int i = 0; i <= NEAR_NUMBER_REACH && p < t->len; i++)
	{
		unsigned	cp;

		/* a number starts where a word does: not the f of "of" */
		if ((i == 0 || !is_letter(t->s[p - 1])) && number_after(t, p))
			return true;
		if (stops_search(t, p))
			return false;
		p += char_at(t, p, &cp);
	}
	return false;
}

static bool
room_after(const text *t, size_t p)
{
	size_t		end,
				digits;

	return number_starts_at(t, skip_spaces(t, p), &end, &digits) && digits >= 3;
}

static bool
house_after(const text *t, size_t p)
{
	for (int i = 0; i <= HOUSE_REACH && p < t->len; i++)
	{
		size_t		end,
					digits;
		unsigned	cp;

		if (stops_search(t, p))
			return false;
		if ((i == 0 || !is_letter(t->s[p - 1])) && number_starts_at(t, p, &end, &digits) &&
			text_has(t, skip_spaces(t, end), "号"))
			return true;
		p += char_at(t, p, &cp);
	}
	return false;
}

/* The length of the run of ASCII digits ending at p. */
static size_t
digits_before(const text *t, size_t p)
{
	size_t		q = p;

	while (q > 0 && is_digit(t->s[q - 1]))
		q--;
	return p - q;
}

static size_t
digits_after(const text *t, size_t p)
{
	size_t		q = p;

	while (q < t->len && is_digit(t->s[q]))
		q++;
	return q - p;
}

/*
 * Numbers joined by a separator spanning [start, end): a-b-c, or a-b with b
 * of three digits or more and no 号 after it.
 */
static bool
separated_numbers(const text *t, size_t start, size_t end, size_t seplen)
{
	size_t		left = digits_before(t, start),
				right = digits_after(t, end);
	size_t		after = end + right;

	if (left == 0 || right == 0)
		return false;
	/* a third group before or after */
	if (start - left >= seplen && digits_before(t, start - left - seplen) > 0 &&
		memcmp(t->s + start - left - seplen, t->s + start, seplen) == 0)
		return true;
	if (after + seplen < t->len && memcmp(t->s + after, t->s + start, seplen) == 0 &&
		digits_after(t, after + seplen) > 0)
		return true;
	return right >= 3 && !text_has(t, skip_spaces(t, after), "号");
}

static bool
on_word(int rule, size_t start, size_t end, void *arg)
{
	text	   *t = arg;

	if (t->nwords < MAX_WORDS)
		t->words[t->nwords++] = (word) {rule, start, end};
	return true;
}

/* Whether a word lies inside a not_unit word (组 in C组团). */
static bool
masked(const text *t, const word *w)
{
	for (int i = 0; i < t->nwords; i++)
		if (t->words[i].rule == OT_UNIT_NOT_UNIT && &t->words[i] != w &&
			t->words[i].start <= w->start && w->end <= t->words[i].end)
			return true;
	return false;
}

/* Whether a word names a unit where it is. */
static bool
names_unit(const text *t, const word *w)
{
	switch ((ot_unit_rule) w->rule)
	{
		case OT_UNIT_AFTER_NUMBER:
			return number_before(t, w->start);
		case OT_UNIT_BETWEEN_NUMBERS:
			return number_before(t, w->start) && number_after(t, w->end);
		case OT_UNIT_NEAR_NUMBER:
			return number_before(t, w->start) || number_ahead(t, w->end);
		case OT_UNIT_ROOM_AFTER:
			return room_after(t, w->end);
		case OT_UNIT_HOUSE_AFTER:
			return house_after(t, w->end);
		case OT_UNIT_SEPARATOR:
			return separated_numbers(t, w->start, w->end, w->end - w->start);
		case OT_UNIT_ANYWHERE:
			return true;
		case OT_UNIT_NOT_UNIT:
			return false;
	}
	return false;
}

bool
ot_units_named(const ot_units *u, const char *folded, size_t len)
{
	text		t;
	bool		named = false;

	t.s = (const unsigned char *) folded;
	t.len = len;
	t.nwords = 0;
	ot_ac_scan(u->ac, folded, len, on_word, &t);
	for (int i = 0; i < t.nwords && !named; i++)
		named = !masked(&t, &t.words[i]) && names_unit(&t, &t.words[i]);
	return named;
}

size_t
ot_units_memory(const ot_units *u)
{
	return sizeof(ot_units) + ot_ac_memory(u->ac);
}

void
ot_units_free(ot_units *u)
{
	if (u == NULL)
		return;
	ot_ac_free(u->ac);
	free(u);
}
