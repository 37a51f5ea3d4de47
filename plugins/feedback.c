/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "feedback.h"

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

void feedback_init(Feedback *fb, unsigned hold_cycles, unsigned max_pct, uint64_t page_size) {
        *fb = (Feedback) { .hold_cycles = hold_cycles, .max_pct = max_pct, .page_size = page_size,
                           .budget = FEEDBACK_UNLIMITED };
}

void feedback_done(Feedback *fb) {
        free(fb->watch);
        free(fb->hold);
        fb->watch = NULL;
        fb->hold = NULL;
        fb->n_watch = fb->n_hold = 0;
}

void feedback_reset(Feedback *fb) {
        feedback_done(fb);
        feedback_init(fb, fb->hold_cycles, fb->max_pct, fb->page_size);
}

void feedback_begin(Feedback *fb) {
        size_t k = 0;

        fb->cycle++;
        for (size_t i = 0; i < fb->n_hold; i++)
                if (fb->hold[i].forget >= fb->cycle)
                        fb->hold[k++] = fb->hold[i];
        fb->n_hold = k;
}

static bool overlaps(uint64_t s1, uint64_t e1, uint64_t s2, uint64_t e2) {
        return s1 < e2 && s2 < e1;
}

bool feedback_held(const Feedback *fb, uint64_t start, uint64_t end) {
        for (size_t i = 0; i < fb->n_hold; i++)
                if (fb->hold[i].until >= fb->cycle && overlaps(start, end, fb->hold[i].start, fb->hold[i].end))
                        return true;
        return false;
}

uint64_t feedback_held_bytes(const Feedback *fb) {
        uint64_t b = 0;

        for (size_t i = 0; i < fb->n_hold; i++)
                if (fb->hold[i].until >= fb->cycle)
                        b += fb->hold[i].end - fb->hold[i].start;
        return b;
}

/* Gap sizes and the threshold below which gaps are closed, for coarsening. */
static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

static uint64_t gap_threshold(const uint64_t *starts, const uint64_t *ends, size_t stride, size_t n, size_t max,
                              bool *ok) {
        uint64_t *gaps, t;

        *ok = false;
        if (n <= max || max == 0)
                return 0;
        gaps = malloc((n - 1) * sizeof *gaps);
        if (!gaps)
                return 0;
        for (size_t i = 0; i + 1 < n; i++) {
                uint64_t e = *(const uint64_t *) ((const char *) ends + i * stride);
                uint64_t s = *(const uint64_t *) ((const char *) starts + (i + 1) * stride);
                gaps[i] = s > e ? s - e : 0;
        }
        qsort(gaps, n - 1, sizeof *gaps, cmp_u64);
        t = gaps[n - max - 1]; /* closing every gap <= t leaves at most max ranges */
        free(gaps);
        *ok = true;
        return t;
}

void feedback_coarsen(struct etmem_range *r, size_t *n, size_t max) {
        bool ok;
        uint64_t t = gap_threshold(&r[0].start, &r[0].end, sizeof *r, *n, max, &ok);
        size_t k = 0;

        if (!ok) {
                /* no memory for the gaps: halve by merging neighbours pairwise */
                while (*n > max && max > 0) {
                        k = 0;
                        for (size_t i = 0; i < *n; i += 2)
                                r[k++] = (struct etmem_range) { r[i].start, i + 1 < *n ? r[i + 1].end : r[i].end };
                        *n = k;
                }
                return;
        }
        for (size_t i = 0; i < *n; i++) {
                if (k > 0 && r[i].start - MIN(r[i].start, r[k - 1].end) <= t)
                        r[k - 1].end = MAX(r[k - 1].end, r[i].end);
                else
                        r[k++] = r[i];
        }
        *n = k;
}

/* Holds [start, end): merged with the holds it overlaps; one more strike than the most
 * struck of them, so a range that keeps coming back is held longer each time. */
static int hold_range(Feedback *fb, uint64_t start, uint64_t end) {
        FeedbackHold *v;
        uint32_t strikes = 0, span;
        size_t k = 0, n_new;

        v = malloc((fb->n_hold + 1) * sizeof *v);
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < fb->n_hold; i++) {
                const FeedbackHold *h = &fb->hold[i];
                if (overlaps(start, end, h->start, h->end) || h->end == start || h->start == end) {
                        start = MIN(start, h->start);
                        end = MAX(end, h->end);
                        strikes = MAX(strikes, h->strikes);
                } else
                        v[k++] = *h;
        }
        strikes++;
        span = fb->hold_cycles << MIN(strikes - 1, (uint32_t) FEEDBACK_HOLD_MAX_SHIFT);
        FeedbackHold nh = { .start = start, .end = end, .strikes = strikes, .until = fb->cycle + span - 1,
                            .forget = fb->cycle + 2 * span - 1 };
        /* insert sorted */
        size_t at = 0;
        while (at < k && v[at].start < start)
                at++;
        memmove(v + at + 1, v + at, (k - at) * sizeof *v);
        v[at] = nh;
        n_new = k + 1;
        /* too many: close the smallest gaps (a coarser hold keeps more in, never less) */
        if (n_new > FEEDBACK_MAX_RANGES) {
                bool ok;
                uint64_t t = gap_threshold(&v[0].start, &v[0].end, sizeof *v, n_new, FEEDBACK_MAX_RANGES, &ok);
                size_t m = 0;
                for (size_t i = 0; i < n_new; i++) {
                        if (m > 0 && (!ok || m >= FEEDBACK_MAX_RANGES || v[i].start - v[m - 1].end <= t)) {
                                v[m - 1].end = MAX(v[m - 1].end, v[i].end);
                                v[m - 1].until = MAX(v[m - 1].until, v[i].until);
                                v[m - 1].forget = MAX(v[m - 1].forget, v[i].forget);
                                v[m - 1].strikes = MAX(v[m - 1].strikes, v[i].strikes);
                        } else
                                v[m++] = v[i];
                }
                n_new = m;
        }
        free(fb->hold);
        fb->hold = v;
        fb->n_hold = n_new;
        return 0;
}

static bool over_pct(uint64_t part, uint64_t whole, unsigned pct) {
        return part > 0 && part * 100 > (uint64_t) pct * whole;
}

int feedback_look(Feedback *fb, const uint64_t *back_in, FeedbackLook *ret) {
        FeedbackLook look = {};
        uint64_t back_pages = 0, watched_pages = 0;
        size_t k = 0;
        int r;

        for (size_t i = 0; i < fb->n_watch; i++)
                watched_pages += fb->watch[i].out - fb->watch[i].back;
        for (size_t i = 0; i < fb->n_watch; i++) {
                FeedbackWatch *w = &fb->watch[i];
                uint64_t inc = back_in[i] > w->base ? back_in[i] - w->base : 0;

                inc = MIN(inc, w->out - w->back);
                w->back += inc;
                w->base = back_in[i];
                back_pages += inc;
                if (fb->hold_cycles > 0 && inc > 0 && over_pct(w->back, w->out, fb->max_pct)) {
                        r = hold_range(fb, w->start, w->end);
                        if (r < 0)
                                return r;
                        look.held_new += w->out * fb->page_size;
                        continue; /* held: no longer watched */
                }
                if (w->back >= w->out || fb->cycle - w->cycle >= FEEDBACK_WATCH_CYCLES)
                        continue;
                fb->watch[k++] = *w;
        }
        fb->n_watch = k;

        look.back = back_pages * fb->page_size;
        look.watched = watched_pages * fb->page_size;
        if (over_pct(back_pages, watched_pages, fb->max_pct)) {
                uint64_t base = fb->last_out > 0 ? MIN(fb->budget, fb->last_out) : fb->budget;
                fb->budget = MAX(base / 2, FEEDBACK_BUDGET_MIN);
                look.shrunk = true;
        } else if (fb->budget != FEEDBACK_UNLIMITED) {
                /* a calm cycle: the budget grows back, and ends once it no longer binds */
                fb->budget = fb->budget > FEEDBACK_UNLIMITED / 2 ? FEEDBACK_UNLIMITED : fb->budget * 2;
                if (fb->budget >= fb->last_wanted)
                        fb->budget = FEEDBACK_UNLIMITED;
        }
        fb->back_total += look.back;
        if (ret)
                *ret = look;
        return 0;
}

typedef struct Piece {
        uint64_t start, end, resident;
        uint32_t accesses;
} Piece;

/* Appends; on failure frees the array. */
static int push_piece(Piece **p, size_t *n, size_t *cap, Piece x) {
        if (*n == *cap) {
                Piece *q = realloc(*p, (*cap *= 2) * sizeof **p);
                if (!q) {
                        free(*p);
                        *p = NULL;
                        return -ENOMEM;
                }
                *p = q;
        }
        (*p)[(*n)++] = x;
        return 0;
}

static int cmp_coldest(const void *a, const void *b) {
        const Piece *x = a, *y = b;
        if (x->accesses != y->accesses)
                return x->accesses < y->accesses ? -1 : 1;
        return x->start < y->start ? -1 : x->start > y->start;
}

static int cmp_start(const void *a, const void *b) {
        const struct etmem_range *x = a, *y = b;
        return x->start < y->start ? -1 : x->start > y->start;
}

static uint64_t scale(uint64_t resident, uint64_t part, uint64_t whole) {
        if (whole == 0 || part >= whole)
                return resident;
        /* resident * part / whole without overflow for address-space sized spans */
        return (uint64_t) ((unsigned __int128) resident * part / whole);
}

int feedback_select(Feedback *fb, const FeedbackCandidate *cand, size_t n, struct etmem_range **ret,
                    size_t *n_ret, FeedbackSelect *st) {
        FeedbackSelect s = {};
        Piece *p;
        struct etmem_range *out;
        size_t np = 0, cap = n + fb->n_hold + 1, n_out = 0, h0 = 0;

        p = malloc(cap * sizeof *p);
        if (!p)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const FeedbackCandidate *c = &cand[i];
                uint64_t at = c->start, kept = 0;

                s.wanted += c->resident;
                while (h0 < fb->n_hold && fb->hold[h0].end <= c->start)
                        h0++; /* candidates are sorted: holds before this one are behind all later ones */
                for (size_t h = h0; h < fb->n_hold && at < c->end; h++) {
                        const FeedbackHold *hd = &fb->hold[h];
                        if (hd->until < fb->cycle || hd->end <= at)
                                continue;
                        if (hd->start >= c->end)
                                break;
                        if (hd->start > at) {
                                uint64_t res = scale(c->resident, hd->start - at, c->end - c->start);
                                if (push_piece(&p, &np, &cap, (Piece) { at, hd->start, res, c->accesses }) < 0)
                                        return -ENOMEM;
                                kept += res;
                        }
                        at = MIN(hd->end, c->end);
                }
                if (at < c->end) {
                        uint64_t res = at == c->start ? c->resident : scale(c->resident, c->end - at, c->end - c->start);
                        if (push_piece(&p, &np, &cap, (Piece) { at, c->end, res, c->accesses }) < 0)
                                return -ENOMEM;
                        kept += res;
                }
                s.held += c->resident - MIN(kept, c->resident);
        }

        uint64_t avail = 0;
        for (size_t i = 0; i < np; i++)
                avail += p[i].resident;
        fb->last_wanted = avail;
        if (avail > fb->budget)
                qsort(p, np, sizeof *p, cmp_coldest);

        out = malloc((np ? np : 1) * sizeof *out);
        if (!out) {
                free(p);
                return -ENOMEM;
        }
        uint64_t left = fb->budget;
        for (size_t i = 0; i < np; i++) {
                if (left == 0) {
                        s.over_budget += p[i].resident;
                        continue;
                }
                if (p[i].resident <= left) {
                        out[n_out++] = (struct etmem_range) { p[i].start, p[i].end };
                        s.selected += p[i].resident;
                        left -= p[i].resident;
                        continue;
                }
                /* the budget ends inside this piece: its first part, page aligned */
                uint64_t span = scale(p[i].end - p[i].start, left, p[i].resident);
                span -= span % fb->page_size;
                if (span == 0)
                        span = fb->page_size;
                out[n_out++] = (struct etmem_range) { p[i].start, p[i].start + span };
                s.selected += left;
                s.over_budget += p[i].resident - left;
                left = 0;
        }
        free(p);
        qsort(out, n_out, sizeof *out, cmp_start);
        if (n_out == 0) {
                free(out);
                out = NULL;
        }
        *ret = out;
        *n_ret = n_out;
        if (st)
                *st = s;
        return 0;
}

int feedback_acted(Feedback *fb, const struct etmem_range *ranges, size_t n, const uint64_t *in_before,
                   const uint64_t *in_after) {
        FeedbackWatch *nw, *merged;
        size_t j = 0, m = 0, n_new = 0;
        uint64_t out_pages = 0;

        n = MIN(n, (size_t) FEEDBACK_MAX_RANGES);
        nw = malloc((n + 1) * sizeof *nw);
        merged = malloc((fb->n_watch + n + 1) * sizeof *merged);
        if (!nw || !merged) {
                free(nw);
                free(merged);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                uint64_t out = in_before[i] > in_after[i] ? in_before[i] - in_after[i] : 0;
                if (out == 0)
                        continue;
                out_pages += out;
                nw[n_new++] = (FeedbackWatch) { .start = ranges[i].start, .end = ranges[i].end, .base = in_after[i],
                                                .out = out, .cycle = fb->cycle };
        }
        fb->last_out = out_pages * fb->page_size;
        /* both sorted: merge; an older watch the new ones overlap is replaced by them */
        for (size_t i = 0; i < fb->n_watch; i++) {
                const FeedbackWatch *o = &fb->watch[i];
                bool hit = false;
                while (j < n_new && nw[j].end <= o->start)
                        merged[m++] = nw[j++];
                for (size_t q = j; q < n_new && nw[q].start < o->end; q++)
                        if (overlaps(o->start, o->end, nw[q].start, nw[q].end)) {
                                hit = true;
                                break;
                        }
                if (!hit)
                        merged[m++] = *o;
        }
        while (j < n_new)
                merged[m++] = nw[j++];
        free(nw);
        /* too many: the oldest watches go first (the new ones alone fit) */
        for (uint32_t c = fb->cycle - FEEDBACK_WATCH_CYCLES; m > FEEDBACK_MAX_RANGES && c != fb->cycle; c++) {
                size_t k = 0;
                for (size_t i = 0; i < m; i++)
                        if (merged[i].cycle != c || m - (i - k) <= FEEDBACK_MAX_RANGES)
                                merged[k++] = merged[i];
                m = k;
        }
        free(fb->watch);
        fb->watch = merged;
        fb->n_watch = m;
        return 0;
}
