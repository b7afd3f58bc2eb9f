/*
 * analyzer/regress/rng.c - random variates for the bootstrap: xoshiro256** seeded through
 * splitmix64 (reproducible per seed and per path/hop/metric), normal, gamma,
 * Student t and Beta variates.
 */
#include "config.h"
#include "analyzer/regress/internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t reg_splitmix(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* FNV-1a of a string, to derive one stream per (path, hop, metric), so a
 * verdict does not depend on which other hops were compared. */
static uint64_t reg_hash(uint64_t h, const char *s)
{
	if (!h)
		h = UINT64_C(0xcbf29ce484222325);
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * UINT64_C(0x100000001b3);
	return (h ^ '/') * UINT64_C(0x100000001b3);
}

void reg_rng_seed(struct reg_rng *r, uint64_t seed, const char *a, const char *b, const char *c)
{
	uint64_t x = seed ^ reg_hash(reg_hash(reg_hash(0, a), b), c);

	for (int i = 0; i < 4; i++)
		r->s[i] = reg_splitmix(&x);
	r->has_spare = 0;
}

/* Standard normal (Marsaglia's polar method). */
static double reg_normal(struct reg_rng *r)
{
	double u, v, s;

	if (r->has_spare) {
		r->has_spare = 0;
		return r->spare;
	}
	do {
		u = 2.0 * reg_uniform(r) - 1.0;
		v = 2.0 * reg_uniform(r) - 1.0;
		s = u * u + v * v;
	} while (s >= 1.0 || s == 0.0);
	s = sqrt(-2.0 * log(s) / s);
	r->spare = v * s;
	r->has_spare = 1;
	return u * s;
}

/* Gamma(shape, 1) for shape >= 1 (Marsaglia and Tsang, 2000). */
static double reg_gamma(struct reg_rng *r, double shape)
{
	double d = shape - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);

	for (;;) {
		double x, v, u;

		do {
			x = reg_normal(r);
			v = 1.0 + c * x;
		} while (v <= 0.0);
		v = v * v * v;
		u = reg_uniform(r);
		if (u < 1.0 - 0.0331 * x * x * x * x || log(u) < 0.5 * x * x + d * (1.0 - v + log(v)))
			return d * v;
	}
}

/* Student t with nu degrees of freedom: Z / sqrt(ChiSq(nu) / nu), the
 * chi-square as 2 Gamma(nu / 2), boosted for nu / 2 < 1. */
double reg_student(struct reg_rng *r, double nu)
{
	double a = nu / 2.0, g;

	if (a >= 1.0)
		g = reg_gamma(r, a);
	else
		g = reg_gamma(r, a + 1.0) * pow(reg_uniform(r), 1.0 / a);
	return reg_normal(r) / sqrt(fmax(2.0 * g / nu, 1e-300));
}

/* Beta(a, b) for a, b >= 1. */
double reg_beta(struct reg_rng *r, double a, double b)
{
	double x = reg_gamma(r, a), y = reg_gamma(r, b);

	return x / (x + y);
}
