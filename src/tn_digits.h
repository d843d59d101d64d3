/*
 * tn_digits.h
 *	  Tracking-number digits: Damm check digit, Luhn test, parsing and
 *	  formatting.  No PostgreSQL dependency: unit-tested and fuzzed alone.
 */
#ifndef TN_DIGITS_H
#define TN_DIGITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A tracking number has this many decimal digits, the last a check digit. */
#define TN_NDIGITS 16

/* Smallest and largest 16-digit values (first digit never 0). */
#define TN_MIN UINT64_C(1000000000000000)
#define TN_MAX UINT64_C(9999999999999999)

/* Which rule a text failed, in the order they are checked. */
typedef enum tn_status
{
	TN_OK = 0,
	TN_EMPTY,					/* nothing but whitespace */
	TN_BAD_CHAR,				/* a byte that is not a digit or separator */
	TN_BAD_LENGTH,				/* not 16 digits */
	TN_BAD_GROUPING,			/* 16 digits, separators misplaced */
	TN_LEADING_ZERO,			/* first digit is 0 */
	TN_BAD_CHECK				/* check digit wrong */
} tn_status;

typedef struct tn_parse_result
{
	tn_status	status;
	size_t		offset;			/* TN_BAD_CHAR: byte offset in the input */
	int			ndigits;		/* TN_BAD_LENGTH: digits found */
	int			expected;		/* TN_BAD_CHECK: the right check digit */
	int			found;			/* TN_BAD_CHECK: the check digit given */
} tn_parse_result;

/* Damm check digit for a run of decimal digits (values 0..9). */
extern int	tn_damm_digits(const unsigned char *digits, int n);

/* Damm check digit of a number's decimal digits. */
extern int	tn_damm_u64(uint64_t body);

/* True if the decimal digits of v pass the Luhn (mod 10) test. */
extern bool tn_luhn_valid(uint64_t v);

/* True if v is a valid tracking number (16 digits, right check digit). */
extern bool tn_valid(uint64_t v);

/* The tracking number with the given 15-digit body (first digit 1..9). */
extern uint64_t tn_from_body(uint64_t body);

/* Same, also telling whether the number passes the Luhn test. */
extern uint64_t tn_from_body_luhn(uint64_t body, bool *luhn);

/* Parses len bytes of s (any bytes at all); on TN_OK stores the value. */
extern tn_parse_result tn_parse(const char *s, size_t len, uint64_t *value);

/* Writes the 16 digits of a valid number and a terminating NUL. */
extern void tn_format(uint64_t v, char out[TN_NDIGITS + 1]);

#endif							/* TN_DIGITS_H */
