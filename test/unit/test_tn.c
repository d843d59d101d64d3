/*
 * test_tn.c
 *	  Plain C unit tests (TAP output) for tn_digits.c and tn_permute.c.
 */
#include "tn_digits.h"
#include "tn_permute.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* xorshift64*: deterministic sample of numbers */
static uint64_t rng_state = UINT64_C(0x9E3779B97F4A7C15);
static uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(2685821657736338717);
}

static tn_status
parse_str(const char *s, uint64_t *v)
{
	return tn_parse(s, strlen(s), v).status;
}

static void
test_parse(void)
{
	uint64_t	v = 0;
	tn_parse_result r;
	char		buf[TN_NDIGITS + 1];
	uint64_t	good = tn_from_body(UINT64_C(123456789012345));

	tn_format(good, buf);
	ok(parse_str(buf, &v) == TN_OK && v == good, "bare 16 digits parse");
	{
		char		g[64];

		snprintf(g, sizeof g, "  %.4s %.4s %.4s %.4s\t\n", buf, buf + 4, buf + 8, buf + 12);
		ok(parse_str(g, &v) == TN_OK && v == good, "groups of four with spaces and surrounding whitespace parse");
		snprintf(g, sizeof g, "%.4s-%.4s-%.4s-%.4s", buf, buf + 4, buf + 8, buf + 12);
		ok(parse_str(g, &v) == TN_OK && v == good, "groups of four with hyphens parse");
		snprintf(g, sizeof g, "%.4s-%.4s %.4s-%.4s", buf, buf + 4, buf + 8, buf + 12);
		ok(parse_str(g, &v) == TN_BAD_GROUPING, "mixed separators are rejected");
		snprintf(g, sizeof g, "%.4s  %.4s %.4s %.4s", buf, buf + 4, buf + 8, buf + 12);
		ok(parse_str(g, &v) == TN_BAD_GROUPING, "double space is rejected");
		snprintf(g, sizeof g, "%.3s %.5s %.4s %.4s", buf, buf + 3, buf + 8, buf + 12);
		ok(parse_str(g, &v) == TN_BAD_GROUPING, "groups not of four are rejected");
		snprintf(g, sizeof g, "%.8s %.8s", buf, buf + 8);
		ok(parse_str(g, &v) == TN_BAD_GROUPING, "two groups of eight are rejected");
		snprintf(g, sizeof g, "-%s", buf);
		ok(parse_str(g, &v) == TN_BAD_GROUPING, "leading hyphen is rejected");
	}
	ok(parse_str("", &v) == TN_EMPTY, "empty string is rejected");
	ok(parse_str(" \t\n ", &v) == TN_EMPTY, "whitespace only is rejected");
	ok(parse_str("123456789012345", &v) == TN_BAD_LENGTH, "15 digits are rejected");
	r = tn_parse("12345678901234567", 17, &v);
	ok(r.status == TN_BAD_LENGTH && r.ndigits == 17, "17 digits are rejected with the count");
	r = tn_parse("12345678x0123456", 16, &v);
	ok(r.status == TN_BAD_CHAR && r.offset == 8, "non-digit is rejected with its offset");
	r = tn_parse("1234567890123\0456", 16, &v);
	ok(r.status == TN_BAD_CHAR && r.offset == 13, "NUL byte is rejected as a non-digit");
	ok(parse_str("\xef\xbc\x91" "234567890123456", &v) == TN_BAD_CHAR, "full-width digit is rejected");
	{
		char		z[TN_NDIGITS + 1];

		tn_format(tn_from_body(UINT64_C(23456789012345)), z);	/* 14 digits + check = 15 */
		ok(strlen(z) == 16 && z[0] == '0', "format pads to 16 digits");
		ok(parse_str(z, &v) == TN_LEADING_ZERO, "leading zero is rejected");
	}
	{
		char		bad[TN_NDIGITS + 1];

		memcpy(bad, buf, sizeof bad);
		bad[15] = (char) ('0' + ((bad[15] - '0' + 1) % 10));
		r = tn_parse(bad, 16, &v);
		ok(r.status == TN_BAD_CHECK && r.expected == buf[15] - '0' && r.found == bad[15] - '0',
		   "wrong check digit is rejected naming the expected digit");
	}
	ok(!tn_valid(0) && !tn_valid(TN_MAX + 1) && !tn_valid(TN_MIN - 1), "out-of-range values are invalid");
}

/* Every single substitution and adjacent transposition of a sample is caught. */
static void
test_exhaustive(void)
{
	const int	sample = 100000;
	long		checked = 0;
	long		missed = 0;

	for (int s = 0; s < sample; s++)
	{
		uint64_t	body = UINT64_C(100000000000000) + rng() % UINT64_C(900000000000000);
		char		d[TN_NDIGITS + 1];
		char		m[TN_NDIGITS + 1];
		uint64_t	v;

		tn_format(tn_from_body(body), d);
		for (int i = 0; i < TN_NDIGITS; i++)
			for (char c = '0'; c <= '9'; c++)
			{
				if (c == d[i])
					continue;
				memcpy(m, d, sizeof m);
				m[i] = c;
				checked++;
				if (tn_parse(m, TN_NDIGITS, &v).status == TN_OK)
					missed++;
			}
		for (int i = 0; i + 1 < TN_NDIGITS; i++)
		{
			if (d[i] == d[i + 1])
				continue;
			memcpy(m, d, sizeof m);
			m[i] = d[i + 1];
			m[i + 1] = d[i];
			checked++;
			if (tn_parse(m, TN_NDIGITS, &v).status == TN_OK)
				missed++;
		}
	}
	printf("# %ld single-digit substitutions and adjacent transpositions checked over %d numbers\n",
		   checked, sample);
	ok(missed == 0 && checked > (long) sample * 144, "every substitution and adjacent transposition is detected");
}

/* Digit-at-a-time references for the table-driven checks. */
static bool
naive_luhn(uint64_t v)
{
	int			sum = 0;
	int			pos = 0;

	for (; v > 0; v /= 10, pos++)
	{
		int			d = (int) (v % 10);

		if (pos % 2 == 1)
			d = d * 2 > 9 ? d * 2 - 9 : d * 2;
		sum += d;
	}
	return sum % 10 == 0;
}

static int
naive_damm(uint64_t body)
{
	unsigned char d[20];
	char		s[24];
	int			n = snprintf(s, sizeof s, "%llu", (unsigned long long) body);

	for (int i = 0; i < n; i++)
		d[i] = (unsigned char) (s[i] - '0');
	return tn_damm_digits(d, n);
}

static void
test_luhn(void)
{
	int			agree = 1;

	for (int i = 0; i < 200000; i++)
	{
		uint64_t	v = rng() % (TN_MAX + 1);

		if (i < 2000)
			v = (uint64_t) i;
		bool		luhn;
		uint64_t	body = v / 10;
		uint64_t	num = tn_from_body_luhn(body, &luhn);

		if (tn_luhn_valid(v) != naive_luhn(v) || tn_damm_u64(v) != naive_damm(v) ||
			num != body * 10 + (uint64_t) naive_damm(body) || luhn != naive_luhn(num))
			agree = 0;
	}
	ok(agree, "table-driven Luhn and Damm agree with digit-at-a-time versions");
	ok(tn_luhn_valid(UINT64_C(4111111111111111)), "Luhn accepts a known card test number");
	ok(!tn_luhn_valid(UINT64_C(4111111111111112)), "Luhn rejects a changed card test number");
	ok(tn_luhn_valid(79927398713ULL), "Luhn accepts the textbook example");
	/* Luhn misses 09 <-> 90 (why it is not the check digit) */
	ok(tn_luhn_valid(UINT64_C(1099)) && tn_luhn_valid(UINT64_C(1909)), "Luhn misses the 09/90 swap");
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *) a;
	uint64_t	y = *(const uint64_t *) b;

	return (x > y) - (x < y);
}

static void
test_permutation(void)
{
	unsigned char secret[TN_SECRET_BYTES];
	unsigned char other[TN_SECRET_BYTES];
	tn_cipher  *c;
	tn_cipher  *c2;
	int			roundtrip = 1;
	int			issued_ok = 1;
	int			differ = 0;
	int			n = 200000;
	uint64_t   *out = malloc(sizeof(uint64_t) * n);
	int			dup = 0;
	int			edges = 1;

	for (int i = 0; i < TN_SECRET_BYTES; i++)
	{
		secret[i] = (unsigned char) (rng() & 0xff);
		other[i] = secret[i];
	}
	other[0] ^= 1;
	c = tn_cipher_new(secret);
	c2 = tn_cipher_new(other);
	ok(c != NULL && c2 != NULL, "cipher is created");

	for (int i = 0; i < 100000; i++)
	{
		uint64_t	x = rng() % TN_DOMAIN;
		uint64_t	y,
					z;

		if (!tn_encrypt(c, x, &y) || !tn_decrypt(c, y, &z) || z != x || y >= TN_DOMAIN)
			roundtrip = 0;
	}
	ok(roundtrip, "encrypt then decrypt returns every sampled index");
	{
		uint64_t	ends[] = {0, 1, TN_DOMAIN - 1, TN_DOMAIN - 2};

		for (int i = 0; i < 4; i++)
		{
			uint64_t	y,
						z;

			if (!tn_encrypt(c, ends[i], &y) || y >= TN_DOMAIN || !tn_decrypt(c, y, &z) || z != ends[i])
				edges = 0;
		}
	}
	ok(edges, "the ends of the domain round-trip");

	/* consecutive sequence values, as issued */
	{
		int			k = 0;

		for (uint64_t seq = 0; k < n; seq++)
		{
			uint64_t	idx = tn_input_index(seq, 7);
			uint64_t	num,
						back;

			if (!tn_index_issuable(idx))
				continue;
			if (!tn_issue(c, idx, &num) || !tn_valid(num) || tn_luhn_valid(num) ||
				num < TN_MIN || !tn_unissue(c, num, &back) || back != idx)
				issued_ok = 0;
			out[k++] = num;
		}
	}
	ok(issued_ok, "issued numbers are valid, fail Luhn and map back to their input");
	qsort(out, n, sizeof(uint64_t), cmp_u64);
	for (int i = 1; i < n; i++)
		if (out[i] == out[i - 1])
			dup++;
	ok(dup == 0, "200000 consecutive issues are distinct");

	for (int i = 0; i < 1000; i++)
	{
		uint64_t	y1,
					y2;

		tn_encrypt(c, (uint64_t) i, &y1);
		tn_encrypt(c2, (uint64_t) i, &y2);
		if (y1 != y2)
			differ++;
	}
	ok(differ >= 998, "a one-bit change of the secret changes the permutation");

	{
		/* neighbours in sequence land far apart: mean gap is a third of the domain */
		double		sum = 0;
		uint64_t	prev = 0;

		for (int i = 0; i < 10000; i++)
		{
			uint64_t	y;

			tn_encrypt(c, tn_input_index((uint64_t) i, 0), &y);
			if (i > 0)
				sum += (double) (y > prev ? y - prev : prev - y);
			prev = y;
		}
		sum /= 9999.0;
		printf("# mean distance between consecutive outputs: %.3g of %.3g\n", sum, (double) TN_DOMAIN);
		ok(sum > TN_DOMAIN * 0.25 && sum < TN_DOMAIN * 0.42, "consecutive outputs are spread like random ones");
	}
	ok(tn_input_index(TN_SEQ_LIMIT - 1, TN_ISSUERS - 1) == TN_DOMAIN - 1, "the last sequence value of the last issuer is the last index");
	ok(tn_number_index(tn_index_number(12345)) == 12345 && tn_index_number(0) / 10 == UINT64_C(100000000000000),
	   "index and number convert both ways");
	tn_cipher_free(c);
	tn_cipher_free(c2);
	tn_cipher_free(NULL);
	free(out);
}

int
main(void)
{
	test_parse();
	test_exhaustive();
	test_luhn();
	test_permutation();
	printf("1..%d\n", test_no);
	return failures == 0 ? 0 : 1;
}
