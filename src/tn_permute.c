/*
 * tn_permute.c
 *	  Keyed format-preserving permutation of tracking-number indexes.
 *
 * The construction is the one NIST SP 800-38G standardises for numeric
 * domains (FF1/FF3-1): a balanced Feistel network with modular addition and
 * AES as the round function.  Ten rounds, as in FF1.  Knowing any number of
 * outputs does not let anyone compute another without the secret.
 */
#include "tn_permute.h"
#include "tn_digits.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#define TN_HALF UINT64_C(30000000)		/* TN_HALF * TN_HALF == TN_DOMAIN */
#define TN_BODY_MIN UINT64_C(100000000000000)	/* 10^14 */

struct tn_cipher
{
	EVP_CIPHER_CTX *ctx;
};

/* Creates an AES-256-ECB context keyed with the secret. */
tn_cipher *
tn_cipher_new(const unsigned char secret[TN_SECRET_BYTES])
{
	tn_cipher  *c = malloc(sizeof(tn_cipher));

	if (c == NULL)
		return NULL;
	c->ctx = EVP_CIPHER_CTX_new();
	if (c->ctx == NULL ||
		EVP_EncryptInit_ex(c->ctx, EVP_aes_256_ecb(), NULL, secret, NULL) != 1 ||
		EVP_CIPHER_CTX_set_padding(c->ctx, 0) != 1)
	{
		tn_cipher_free(c);
		return NULL;
	}
	return c;
}

/* Frees the context; NULL is allowed. */
void
tn_cipher_free(tn_cipher *c)
{
	if (c == NULL)
		return;
	EVP_CIPHER_CTX_free(c->ctx);
	free(c);
}

/* Big-endian store and load, written so that compilers emit one bswap. */
static inline void
store_be64(unsigned char *p, uint64_t v)
{
	p[0] = (unsigned char) (v >> 56);
	p[1] = (unsigned char) (v >> 48);
	p[2] = (unsigned char) (v >> 40);
	p[3] = (unsigned char) (v >> 32);
	p[4] = (unsigned char) (v >> 24);
	p[5] = (unsigned char) (v >> 16);
	p[6] = (unsigned char) (v >> 8);
	p[7] = (unsigned char) v;
}

static inline uint64_t
load_be64(const unsigned char *p)
{
	return ((uint64_t) p[0] << 56) | ((uint64_t) p[1] << 48) |
		((uint64_t) p[2] << 40) | ((uint64_t) p[3] << 32) |
		((uint64_t) p[4] << 24) | ((uint64_t) p[5] << 16) |
		((uint64_t) p[6] << 8) | (uint64_t) p[7];
}

/* Round function: AES of ("TN", round, 0..., half) reduced modulo TN_HALF. */
static inline bool
round_value(tn_cipher *c, int round, uint64_t half, uint64_t *out)
{
	unsigned char in[16] = {'T', 'N', (unsigned char) round};
	unsigned char block[16];
	int			outlen = 0;

	store_be64(in + 8, half);
	if (EVP_EncryptUpdate(c->ctx, block, &outlen, in, sizeof(in)) != 1 ||
		outlen != (int) sizeof(block))
		return false;
	*out = load_be64(block) % TN_HALF;
	return true;
}

/* Forward Feistel permutation of [0, TN_DOMAIN). */
bool
tn_encrypt(tn_cipher *c, uint64_t idx, uint64_t *out)
{
	uint64_t	l = idx / TN_HALF;
	uint64_t	r = idx % TN_HALF;

	for (int i = 0; i < TN_ROUNDS; i++)
	{
		uint64_t	f;
		uint64_t	t;

		if (!round_value(c, i, r, &f))
			return false;
		t = (l + f) % TN_HALF;
		l = r;
		r = t;
	}
	*out = l * TN_HALF + r;
	return true;
}

/* Inverse of tn_encrypt. */
bool
tn_decrypt(tn_cipher *c, uint64_t idx, uint64_t *out)
{
	uint64_t	l = idx / TN_HALF;
	uint64_t	r = idx % TN_HALF;

	for (int i = TN_ROUNDS - 1; i >= 0; i--)
	{
		uint64_t	f;
		uint64_t	prev_l;

		if (!round_value(c, i, l, &f))
			return false;
		prev_l = (r + TN_HALF - f) % TN_HALF;
		r = l;
		l = prev_l;
	}
	*out = l * TN_HALF + r;
	return true;
}

/* Index idx stands for body 10^14 + idx followed by its check digit. */
uint64_t
tn_index_number(uint64_t idx)
{
	return tn_from_body(TN_BODY_MIN + idx);
}

/* Drops the check digit and the body's offset. */
uint64_t
tn_number_index(uint64_t number)
{
	return number / 10 - TN_BODY_MIN;
}

/* Numbers that pass Luhn are never issued. */
bool
tn_index_issuable(uint64_t idx)
{
	bool		luhn;

	(void) tn_from_body_luhn(TN_BODY_MIN + idx, &luhn);
	return !luhn;
}

/* Issuers interleave: their input indexes never meet. */
uint64_t
tn_input_index(uint64_t seq, unsigned issuer)
{
	return seq * TN_ISSUERS + issuer;
}

/*
 * Cycle-walking: apply the permutation until the result is issuable.  On the
 * set of issuable indexes this is itself a permutation, so distinct issuable
 * inputs give distinct numbers.
 */
bool
tn_issue(tn_cipher *c, uint64_t idx, uint64_t *number)
{
	uint64_t	y = idx;
	uint64_t	n;
	bool		luhn;

	do
	{
		if (!tn_encrypt(c, y, &y))
			return false;
		n = tn_from_body_luhn(TN_BODY_MIN + y, &luhn);
	} while (luhn);
	*number = n;
	return true;
}

/* Walks back with the inverse permutation. */
bool
tn_unissue(tn_cipher *c, uint64_t number, uint64_t *idx)
{
	uint64_t	y = tn_number_index(number);

	do
	{
		if (!tn_decrypt(c, y, &y))
			return false;
	} while (!tn_index_issuable(y));
	*idx = y;
	return true;
}
