/*
 * tn_permute.h
 *	  The keyed permutation that turns a sequence value into a tracking
 *	  number.  Depends on OpenSSL's libcrypto only, not on PostgreSQL.
 *
 * Indexes 0 .. TN_DOMAIN-1 stand for the 15-digit bodies 10^14 .. 10^15-1;
 * the check digit is appended to the body.  A sequence value and an issuer
 * (0 .. TN_ISSUERS-1, one per database that issues numbers for a group)
 * make an input index; a ten-round balanced Feistel network over
 * Z_M x Z_M (M = 3*10^7, M*M = TN_DOMAIN) with AES-256 as round function
 * permutes it, and cycle-walking skips every number that passes Luhn.
 */
#ifndef TN_PERMUTE_H
#define TN_PERMUTE_H

#include <stdbool.h>
#include <stdint.h>

#define TN_SECRET_BYTES 32
#define TN_DOMAIN UINT64_C(900000000000000)
#define TN_ISSUERS 1024
/* Sequence values 0 .. TN_SEQ_LIMIT-1 are valid for every issuer. */
#define TN_SEQ_LIMIT (TN_DOMAIN / TN_ISSUERS)
#define TN_ROUNDS 10

typedef struct tn_cipher tn_cipher;

/* A cipher for a 32-byte secret; NULL when libcrypto fails. */
extern tn_cipher *tn_cipher_new(const unsigned char secret[TN_SECRET_BYTES]);
extern void tn_cipher_free(tn_cipher *c);

/* The tracking number that index idx (< TN_DOMAIN) stands for. */
extern uint64_t tn_index_number(uint64_t idx);

/* The index that a valid tracking number stands for. */
extern uint64_t tn_number_index(uint64_t number);

/* True if idx may be issued: its number does not pass Luhn. */
extern bool tn_index_issuable(uint64_t idx);

/* Input index of sequence value seq (< TN_SEQ_LIMIT) for an issuer. */
extern uint64_t tn_input_index(uint64_t seq, unsigned issuer);

/* One application of the Feistel permutation or its inverse; false on failure. */
extern bool tn_encrypt(tn_cipher *c, uint64_t idx, uint64_t *out);
extern bool tn_decrypt(tn_cipher *c, uint64_t idx, uint64_t *out);

/*
 * The tracking number issued for an issuable input index: the permutation
 * cycle-walked until it lands on an issuable index.  A bijection on the
 * issuable indexes.  False on failure.
 */
extern bool tn_issue(tn_cipher *c, uint64_t idx, uint64_t *number);

/* Inverse of tn_issue, for verification. */
extern bool tn_unissue(tn_cipher *c, uint64_t number, uint64_t *idx);

#endif							/* TN_PERMUTE_H */
