/*
 * catalogue.h
 *	  Per-backend caches of products and flag codes.
 */
#ifndef OT_CATALOGUE_H
#define OT_CATALOGUE_H

typedef struct OtProduct
{
	bool		known;			/* the SKU is in the catalogue */
	bool		active;
	bool		fragile;
	bool		cold_chain;
	char	   *title;
	char	   *spec;
	char	   *colour;
} OtProduct;

/* Registers the caches' invalidation callback. */
extern void CatalogueInit(void);
/* A product by SKU; valid until the next call. */
extern const OtProduct *CatalogueProduct(const char *sku);
/* Severity of a flag code (block, warn or info); NULL for an unknown code. */
extern const char *CatalogueFlagSeverity(const char *code);

#endif							/* OT_CATALOGUE_H */
