/*
 * tn_digits.c
 *	  Damm check digit, Luhn test, parsing and formatting of tracking numbers.
 *
 * The Damm algorithm (H. M. Damm, 2004) uses a totally anti-symmetric
 * quasigroup of order 10: it detects every single-digit substitution and
 * every transposition of two adjacent digits, which Luhn does not (09/90).
 */
#include "tn_digits.h"

static const unsigned char damm_table[10][10] = {
	{0, 3, 1, 7, 5, 9, 8, 6, 4, 2},
	{7, 0, 9, 2, 1, 5, 4, 8, 6, 3},
	{4, 2, 0, 6, 8, 7, 1, 3, 5, 9},
	{1, 7, 5, 0, 9, 8, 3, 4, 2, 6},
	{6, 1, 2, 3, 0, 4, 5, 9, 7, 8},
	{3, 6, 7, 4, 2, 0, 9, 5, 8, 1},
	{5, 8, 6, 9, 7, 2, 0, 1, 3, 4},
	{8, 9, 4, 5, 3, 6, 2, 0, 1, 7},
	{9, 4, 3, 8, 6, 1, 7, 2, 0, 5},
	{2, 5, 8, 1, 4, 3, 6, 7, 9, 0}
};

/* Damm interim digit over digits[0..n-1]; 0 means a valid run. */
int
tn_damm_digits(const unsigned char *digits, int n)
{
	int			interim = 0;

	for (int i = 0; i < n; i++)
		interim = damm_table[interim][digits[i]];
	return interim;
}

/*
 * Issuing checks Damm and Luhn on every step of a cycle walk, so both work on
 * three digits at a time through tables built on first use:
 * damm3[i][abc] is the Damm interim after digits a, b, c from interim i;
 * luhn3[p][abc] is the Luhn sum of digits a, b, c, where c (the rightmost)
 * is doubled when p is 0 and b is doubled when p is 1.
 */
static unsigned char damm3[10][1000];
static unsigned char luhn3[2][1000];
static bool tables_ready = false;

static int
luhn_digit(int d, bool dbl)
{
	if (!dbl)
		return d;
	d *= 2;
	return d > 9 ? d - 9 : d;
}

static void
build_tables(void)
{
	for (int i = 0; i < 10; i++)
		for (int v = 0; v < 1000; v++)
			damm3[i][v] = damm_table[damm_table[damm_table[i][v / 100]][(v / 10) % 10]][v % 10];
	for (int v = 0; v < 1000; v++)
	{
		int			a = v / 100,
					b = (v / 10) % 10,
					c = v % 10;

		luhn3[0][v] = (unsigned char) (luhn_digit(a, true) + luhn_digit(b, false) + luhn_digit(c, true));
		luhn3[1][v] = (unsigned char) (luhn_digit(a, false) + luhn_digit(b, true) + luhn_digit(c, false));
	}
	tables_ready = true;
}

/* Damm check digit that makes body followed by it a valid run. */
int
tn_damm_u64(uint64_t body)
{
	unsigned	chunk[7];
	int			n = 0;
	int			interim = 0;

	if (!tables_ready)
		build_tables();
	do
	{
		chunk[n++] = (unsigned) (body % 1000);
		body /= 1000;
	} while (body > 0);
	/* leading zeros of the top chunk leave the interim at 0 */
	while (n > 0)
		interim = damm3[interim][chunk[--n]];
	return interim;
}

/* Luhn test over all decimal digits of v, rightmost digit undoubled. */
bool
tn_luhn_valid(uint64_t v)
{
	int			sum;
	int			parity = 0;

	if (!tables_ready)
		build_tables();
	/* the rightmost digit is not doubled; then chunks of three alternate */
	sum = (int) (v % 10);
	v /= 10;
	while (v > 0)
	{
		sum += luhn3[parity][v % 1000];
		v /= 1000;
		parity ^= 1;
	}
	return sum % 10 == 0;
}

/*
 * The number with the given body and its check digit, and whether it passes
 * Luhn: one pass over the body's three-digit chunks serves both.
 */
uint64_t
tn_from_body_luhn(uint64_t body, bool *luhn)
{
	unsigned	chunk[7];
	int			n = 0;
	int			interim = 0;
	int			sum;

	if (!tables_ready)
		build_tables();
	for (uint64_t b = body; b > 0 || n == 0; b /= 1000)
		chunk[n++] = (unsigned) (b % 1000);
	for (int i = n - 1; i >= 0; i--)
		interim = damm3[interim][chunk[i]];
	/* check digit undoubled, then the body's chunks from the right */
	sum = interim;
	for (int i = 0; i < n; i++)
		sum += luhn3[i & 1][chunk[i]];
	*luhn = sum % 10 == 0;
	return body * 10 + (uint64_t) interim;
}

/* True if v is a 16-digit number whose Damm run is valid. */
bool
tn_valid(uint64_t v)
{
	if (v < TN_MIN || v > TN_MAX)
		return false;
	return tn_damm_u64(v) == 0;
}

/* Appends the check digit to a 15-digit body. */
uint64_t
tn_from_body(uint64_t body)
{
	return body * 10 + (uint64_t) tn_damm_u64(body);
}

static bool
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Accepted forms, after surrounding whitespace: 16 digits, or four groups of
 * four digits separated by one space each or by one hyphen each.
 */
tn_parse_result
tn_parse(const char *s, size_t len, uint64_t *value)
{
	tn_parse_result r = {TN_OK, 0, 0, 0, 0};
	const unsigned char *p = (const unsigned char *) s;
	size_t		start = 0;
	size_t		end = len;
	unsigned char digits[TN_NDIGITS];
	int			nd = 0;
	bool		grouped_ok;
	uint64_t	v = 0;

	while (start < end && is_space(p[start]))
		start++;
	while (end > start && is_space(p[end - 1]))
		end--;
	if (start == end)
	{
		r.status = TN_EMPTY;
		return r;
	}

	for (size_t i = start; i < end; i++)
	{
		unsigned char c = p[i];

		if (is_digit(c))
		{
			if (nd < TN_NDIGITS)
				digits[nd] = (unsigned char) (c - '0');
			nd++;
		}
		else if (c != ' ' && c != '-')
		{
			r.status = TN_BAD_CHAR;
			r.offset = i;
			return r;
		}
	}
	if (nd != TN_NDIGITS)
	{
		r.status = TN_BAD_LENGTH;
		r.ndigits = nd;
		return r;
	}

	/* 16 digits: either bare, or grouped 4-4-4-4 with one kind of separator */
	if (end - start == TN_NDIGITS)
		grouped_ok = true;
	else if (end - start == TN_NDIGITS + 3)
	{
		unsigned char sep = p[start + 4];

		grouped_ok = (sep == ' ' || sep == '-') &&
			p[start + 9] == sep && p[start + 14] == sep;
	}
	else
		grouped_ok = false;
	if (!grouped_ok)
	{
		r.status = TN_BAD_GROUPING;
		return r;
	}

	if (digits[0] == 0)
	{
		r.status = TN_LEADING_ZERO;
		return r;
	}
	if (tn_damm_digits(digits, TN_NDIGITS) != 0)
	{
		r.status = TN_BAD_CHECK;
		r.expected = tn_damm_digits(digits, TN_NDIGITS - 1);
		r.found = digits[TN_NDIGITS - 1];
		return r;
	}
	for (int i = 0; i < TN_NDIGITS; i++)
		v = v * 10 + digits[i];
	*value = v;
	return r;
}

/* Formats a 16-digit value as its bare digits. */
void
tn_format(uint64_t v, char out[TN_NDIGITS + 1])
{
	for (int i = TN_NDIGITS - 1; i >= 0; i--)
	{
		out[i] = (char) ('0' + (v % 10));
		v /= 10;
	}
	out[TN_NDIGITS] = '\0';
}
