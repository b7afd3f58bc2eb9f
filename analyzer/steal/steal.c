/*
 * analyzer/steal/steal.c - steal accounting per window, see analyzer/steal/steal.h and
 * docs/analyzer.md ("Steal").
 */
#include "config.h"
#include "analyzer/steal/steal.h"

#include <stdlib.h>
#include <string.h>

/* A growable array of windows of ESIZE bytes each, zero-filled. */
struct steal_arr {
	unsigned char *w;
	size_t n;		/* windows allocated (all zeroed) */
};

struct steal_vcpu {
	bool known;		/* a vcpu_runstate was seen */
	uint8_t state;
	uint32_t guest, pcpu;
	int64_t seg_start;	/* start of the current state's span */
	struct steal_arr wins;	/* struct ih_steal_vwin */
	/* Last vcpu_account sample. */
	int64_t acct_ts;
	uint64_t acct_cum[IH_HV_COUNT_];
	int64_t acct_run_in_win;	/* RUNNING ns of acct_ts's window up to acct_ts */
};

struct steal_pcpu {
	bool known;
	int64_t ts;
	uint64_t run, delay;
	struct steal_arr wins;	/* struct ih_steal_pwin */
};

struct ih_steal {
	int64_t start, wlen, end;
	bool finished;
	size_t nwin;		/* after finish */
	struct steal_vcpu *vcpus;
	size_t nvcpus;
	struct steal_pcpu *pcpus;
	size_t npcpus;
	struct ih_steal_lock *locks;
	size_t nlocks, locks_cap;
	int64_t *weights;	/* scratch for the spreading of deltas */
	size_t weights_cap;
};

/* Makes room for window W in A; -1 when out of memory. */
static int arr_reserve(struct steal_arr *a, size_t esize, size_t w)
{
	size_t n = a->n ? a->n : 16;
	unsigned char *p;

	if (w < a->n)
		return 0;
	while (n <= w)
		n *= 2;
	p = realloc(a->w, n * esize);
	if (!p)
		return -1;
	memset(p + a->n * esize, 0, (n - a->n) * esize);
	a->w = p;
	a->n = n;
	return 0;
}

static size_t win_of(const struct ih_steal *st, int64_t ts)
{
	return ts <= st->start ? 0 : (size_t)((ts - st->start) / st->wlen);
}

static int64_t win_start(const struct ih_steal *st, size_t w)
{
	return st->start + (int64_t)w * st->wlen;
}

struct ih_steal *ih_steal_create(int64_t start_ns, int64_t window_ns)
{
	struct ih_steal *st;

	if (window_ns <= 0)
		return NULL;
	st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->start = start_ns;
	st->wlen = window_ns;
	return st;
}

void ih_steal_destroy(struct ih_steal *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->nvcpus; i++)
		free(st->vcpus[i].wins.w);
	for (size_t i = 0; i < st->npcpus; i++)
		free(st->pcpus[i].wins.w);
	free(st->vcpus);
	free(st->pcpus);
	free(st->locks);
	free(st->weights);
	free(st);
}

/* Returns the vCPU (creating ids up to VCPU); NULL when out of memory. */
static struct steal_vcpu *get_vcpu(struct ih_steal *st, uint32_t vcpu)
{
	if (vcpu >= st->nvcpus) {
		size_t n = (size_t)vcpu + 1;
		struct steal_vcpu *p = realloc(st->vcpus, n * sizeof(*p));

		if (!p)
			return NULL;
		memset(p + st->nvcpus, 0, (n - st->nvcpus) * sizeof(*p));
		for (size_t i = st->nvcpus; i < n; i++)
			p[i].acct_ts = st->start;
		st->vcpus = p;
		st->nvcpus = n;
	}
	return &st->vcpus[vcpu];
}

static struct steal_pcpu *get_pcpu(struct ih_steal *st, uint32_t pcpu)
{
	if (pcpu >= st->npcpus) {
		size_t n = (size_t)pcpu + 1;
		struct steal_pcpu *p = realloc(st->pcpus, n * sizeof(*p));

		if (!p)
			return NULL;
		memset(p + st->npcpus, 0, (n - st->npcpus) * sizeof(*p));
		st->pcpus = p;
		st->npcpus = n;
	}
	return &st->pcpus[pcpu];
}

/* Adds the span [A, B) in STATE to V's windows; -1 when out of memory. */
static int vcpu_add_span(struct ih_steal *st, struct steal_vcpu *v, unsigned state, int64_t a, int64_t b)
{
	while (a < b) {
		size_t w = win_of(st, a);
		int64_t e = win_start(st, w + 1);
		struct ih_steal_vwin *win;

		if (e > b)
			e = b;
		if (arr_reserve(&v->wins, sizeof(struct ih_steal_vwin), w))
			return -1;
		win = (struct ih_steal_vwin *)v->wins.w + w;
		win->state_ns[state] += e - a;
		a = e;
	}
	return 0;
}

/* Closes V's current span at TS (clamped to be monotonic). */
static int vcpu_advance(struct ih_steal *st, struct steal_vcpu *v, int64_t ts)
{
	if (!v->known || ts <= v->seg_start)
		return 0;
	if (vcpu_add_span(st, v, v->state, v->seg_start, ts))
		return -1;
	v->seg_start = ts;
	return 0;
}

int ih_steal_runstate(struct ih_steal *st, int64_t ts, uint32_t vcpu, uint32_t guest,
		      uint32_t pcpu, unsigned old_state, unsigned new_state)
{
	struct steal_vcpu *v;

	if (old_state >= IH_RS_COUNT_ || new_state >= IH_RS_COUNT_)
		return 0;
	v = get_vcpu(st, vcpu);
	if (!v)
		return -1;
	if (!v->known) {
		v->known = true;
		v->state = (uint8_t)old_state;
		v->seg_start = st->start;
	}
	if (vcpu_advance(st, v, ts))
		return -1;
	v->state = (uint8_t)new_state;
	v->guest = guest;
	v->pcpu = pcpu;
	return 0;
}

/* Scratch weights for windows W0..W1; NULL when out of memory. */
static int64_t *weights(struct ih_steal *st, size_t n)
{
	if (n > st->weights_cap) {
		int64_t *p = realloc(st->weights, n * sizeof(*p));

		if (!p)
			return NULL;
		st->weights = p;
		st->weights_cap = n;
	}
	return st->weights;
}

/* Splits D into parts proportional to WT[0..N-1] (sum TOTAL > 0), rounded so
 * the parts add up to D exactly: part i = floor(D*cum_i/TOTAL) -
 * floor(D*cum_(i-1)/TOTAL).  Writes the parts into WT. */
static void spread(int64_t *wt, size_t n, int64_t total, uint64_t d)
{
	unsigned __int128 cum = 0;
	uint64_t given = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t upto;

		cum += (unsigned __int128)(uint64_t)wt[i];
		upto = (uint64_t)((unsigned __int128)d * cum / (uint64_t)total);
		wt[i] = (int64_t)(upto - given);
		given = upto;
	}
}

int ih_steal_account(struct ih_steal *st, int64_t ts, uint32_t vcpu, const uint64_t cum[IH_HV_COUNT_])
{
	struct steal_vcpu *v = get_vcpu(st, vcpu);
	size_t w0, w1, n;
	int64_t *wt, total = 0;
	struct ih_steal_vwin *wins;

	if (!v || vcpu_advance(st, v, ts))
		return -1;
	if (ts < v->acct_ts)
		ts = v->acct_ts;
	w0 = win_of(st, v->acct_ts);
	w1 = win_of(st, ts);
	n = w1 - w0 + 1;
	/* wt[0..n) the weights, wt[n..2n) one cause's parts. */
	if (arr_reserve(&v->wins, sizeof(struct ih_steal_vwin), w1) || !(wt = weights(st, 2 * n)))
		return -1;
	wins = (struct ih_steal_vwin *)v->wins.w;
	/* RUNNING time of each window between the two samples: every span up
	 * to TS has been added (vcpu_advance), so it is the window's RUNNING
	 * total, minus what the first window had at the previous sample. */
	for (size_t w = w0; w <= w1; w++) {
		wt[w - w0] = wins[w].state_ns[IH_RS_RUNNING];
		if (w == w0)
			wt[0] -= v->acct_run_in_win;
		if (wt[w - w0] < 0)
			wt[w - w0] = 0;
		total += wt[w - w0];
	}
	for (int c = 0; c < IH_HV_COUNT_; c++) {
		uint64_t d = cum[c] >= v->acct_cum[c] ? cum[c] - v->acct_cum[c] : 0;

		if (!d)
			continue;
		if (total > 0) {
			memcpy(wt + n, wt, n * sizeof(*wt));
			spread(wt + n, n, total, d);
			for (size_t i = 0; i < n; i++)
				wins[w0 + i].hv_ns[c] += wt[n + i];
		} else {
			wins[w1].hv_ns[c] += (int64_t)d;
		}
	}
	memcpy(v->acct_cum, cum, sizeof(v->acct_cum));
	v->acct_ts = ts;
	v->acct_run_in_win = wins[w1].state_ns[IH_RS_RUNNING];
	return 0;
}

int ih_steal_schedstat(struct ih_steal *st, int64_t ts, uint32_t pcpu, uint64_t run_ns,
		       uint64_t run_delay_ns)
{
	struct steal_pcpu *p = get_pcpu(st, pcpu);
	uint64_t d[2];
	int64_t t0, total;
	size_t w0, w1, n;
	struct ih_steal_pwin *wins;
	int64_t *wt;

	if (!p)
		return -1;
	if (!p->known) {
		p->known = true;
		p->ts = st->start;
	}
	t0 = p->ts;
	if (ts < t0)
		ts = t0;
	d[0] = run_ns >= p->run ? run_ns - p->run : 0;
	d[1] = run_delay_ns >= p->delay ? run_delay_ns - p->delay : 0;
	w0 = win_of(st, t0);
	w1 = win_of(st, ts);
	n = w1 - w0 + 1;
	if (arr_reserve(&p->wins, sizeof(struct ih_steal_pwin), w1) || !(wt = weights(st, 2 * n)))
		return -1;
	wins = (struct ih_steal_pwin *)p->wins.w;
	total = ts - t0;
	for (int c = 0; c < 2; c++) {
		if (!d[c])
			continue;
		if (total > 0) {
			for (size_t w = w0; w <= w1; w++) {
				int64_t a = win_start(st, w), b = win_start(st, w + 1);

				wt[w - w0] = (b < ts ? b : ts) - (a > t0 ? a : t0);
				if (wt[w - w0] < 0)
					wt[w - w0] = 0;
			}
			spread(wt, n, total, d[c]);
			for (size_t i = 0; i < n; i++) {
				if (c == 0)
					wins[w0 + i].run_ns += wt[i];
				else
					wins[w0 + i].run_delay_ns += wt[i];
			}
		} else if (c == 0) {
			wins[w1].run_ns += (int64_t)d[c];
		} else {
			wins[w1].run_delay_ns += (int64_t)d[c];
		}
	}
	p->ts = ts;
	p->run = run_ns;
	p->delay = run_delay_ns;
	return 0;
}

int ih_steal_lock_sample(struct ih_steal *st, uint32_t lock, uint32_t pcpu, uint64_t acquisitions,
			 uint64_t contended, uint64_t wait_ns, uint64_t hold_ns)
{
	struct ih_steal_lock *l = NULL;

	for (size_t i = 0; i < st->nlocks; i++)
		if (st->locks[i].lock == lock && st->locks[i].pcpu == pcpu)
			l = &st->locks[i];
	if (!l) {
		if (st->nlocks == st->locks_cap) {
			size_t n = st->locks_cap ? st->locks_cap * 2 : 16;
			struct ih_steal_lock *p = realloc(st->locks, n * sizeof(*p));

			if (!p)
				return -1;
			st->locks = p;
			st->locks_cap = n;
		}
		l = &st->locks[st->nlocks++];
		l->lock = lock;
		l->pcpu = pcpu;
	}
	l->acquisitions = acquisitions;
	l->contended = contended;
	l->wait_ns = wait_ns;
	l->hold_ns = hold_ns;
	return 0;
}

/* Folds windows NWIN.. of A (events exactly at the end on a window
 * boundary) into window NWIN-1 and makes sure A has NWIN windows. */
static int arr_fold(struct steal_arr *a, size_t esize, size_t nwin, size_t nfields)
{
	if (!nwin)
		return 0;
	if (arr_reserve(a, esize, nwin - 1))
		return -1;
	for (size_t w = nwin; w < a->n; w++) {
		int64_t *dst = (int64_t *)(a->w + (nwin - 1) * esize);
		int64_t *src = (int64_t *)(a->w + w * esize);

		for (size_t f = 0; f < nfields; f++) {
			dst[f] += src[f];
			src[f] = 0;
		}
	}
	return 0;
}

int ih_steal_finish(struct ih_steal *st, int64_t end_ns)
{
	if (end_ns < st->start)
		end_ns = st->start;
	st->nwin = (size_t)((end_ns - st->start + st->wlen - 1) / st->wlen);
	for (size_t i = 0; i < st->nvcpus; i++) {
		struct steal_vcpu *v = &st->vcpus[i];

		if (vcpu_advance(st, v, end_ns) ||
		    arr_fold(&v->wins, sizeof(struct ih_steal_vwin), st->nwin,
			     sizeof(struct ih_steal_vwin) / sizeof(int64_t)))
			return -1;
	}
	for (size_t i = 0; i < st->npcpus; i++)
		if (st->pcpus[i].known &&
		    arr_fold(&st->pcpus[i].wins, sizeof(struct ih_steal_pwin), st->nwin,
			     sizeof(struct ih_steal_pwin) / sizeof(int64_t)))
			return -1;
	st->end = end_ns;
	st->finished = true;
	return 0;
}

int64_t ih_steal_window_ns(const struct ih_steal *st)
{
	return st->wlen;
}

size_t ih_steal_nwindows(const struct ih_steal *st)
{
	return st->nwin;
}

int64_t ih_steal_window_start(const struct ih_steal *st, size_t w)
{
	return win_start(st, w);
}

int64_t ih_steal_window_len(const struct ih_steal *st, size_t w)
{
	int64_t a = win_start(st, w), b = win_start(st, w + 1);

	return (b < st->end ? b : st->end) - a;
}

size_t ih_steal_nvcpus(const struct ih_steal *st)
{
	return st->nvcpus;
}

const struct ih_steal_vwin *ih_steal_vcpu(const struct ih_steal *st, uint32_t vcpu, uint32_t *guest,
					  uint32_t *pcpu)
{
	const struct steal_vcpu *v;

	if (vcpu >= st->nvcpus || !st->vcpus[vcpu].known)
		return NULL;
	v = &st->vcpus[vcpu];
	if (guest)
		*guest = v->guest;
	if (pcpu)
		*pcpu = v->pcpu;
	return (const struct ih_steal_vwin *)v->wins.w;
}

size_t ih_steal_npcpus(const struct ih_steal *st)
{
	return st->npcpus;
}

const struct ih_steal_pwin *ih_steal_pcpu(const struct ih_steal *st, uint32_t pcpu)
{
	if (pcpu >= st->npcpus || !st->pcpus[pcpu].known)
		return NULL;
	return (const struct ih_steal_pwin *)st->pcpus[pcpu].wins.w;
}

size_t ih_steal_nlocks(const struct ih_steal *st)
{
	return st->nlocks;
}

const struct ih_steal_lock *ih_steal_lock_at(const struct ih_steal *st, size_t i)
{
	return &st->locks[i];
}
