/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The slide engine's key checks: every key's range and the messages naming it. */
#include <stdio.h>
#include <string.h>

#include "slide-params.h"
#include "test-check.h"

static const struct etmem_project_info project = {
        .name = "p", .loop = 3, .interval = 1, .sleep = 1,
        .sysmem_threshold = 50, .swapcache_high_wmark = 5, .swapcache_low_wmark = 3,
};

/* Parses "k=v" pairs; returns r and leaves the error in *err. */
static int parse(SlideTask *t, struct etmem_error *err, unsigned ncpus, size_t n, const char *const *kv) {
        struct etmem_param p[8];
        char buf[8][64];
        for (size_t i = 0; i < n; i++) {
                snprintf(buf[i], sizeof buf[i], "%s", kv[i]);
                char *eq = strchr(buf[i], '=');
                *eq = 0;
                p[i] = (struct etmem_param) { buf[i], eq + 1 };
        }
        memset(err, 0, sizeof *err);
        return slide_parse_task(&project, &(struct etmem_params) { n, p }, ncpus, t, err);
}

#define PARSE(t, err, ncpus, ...)                                                                   \
        parse(t, err, ncpus, sizeof((const char *[]) { __VA_ARGS__ }) / sizeof(const char *),     \
              (const char *const[]) { __VA_ARGS__ })

static void expect_error(int r, const struct etmem_error *err, const char *key, const char *needle) {
        CHECK(r == -22, "r=%d for key %s", r, key);
        CHECK(strcmp(err->key, key) == 0, "err->key '%s', want '%s'", err->key, key);
        CHECK(strstr(err->message, needle) != NULL, "message '%s' lacks '%s'", err->message, needle);
}

int main(void) {
        SlideTask t;
        struct etmem_error err;
        uint64_t b;
        int r;

        r = PARSE(&t, &err, 2, "T=1");
        CHECK(r == 0 && t.T == 1 && t.max_threads == 1 && t.swap_threshold == 0 && !t.swap_flag, "defaults");
        CHECK(t.sysmem_threshold == 50 && t.swapcache_high_wmark == 5 && t.swapcache_low_wmark == 3 && t.loop == 3,
              "project keys copied");

        r = PARSE(&t, &err, 2, "T=9", "max_threads=5", "swap_threshold=10g", "swap_flag=yes");
        CHECK(r == 0 && t.T == 9 && t.max_threads == 5 && t.swap_threshold == (10ULL << 30) && t.swap_flag,
              "all keys: r=%d %s", r, err.message);
        r = PARSE(&t, &err, 2, "T=0", "swap_threshold=3G", "swap_flag=no");
        CHECK(r == 0 && t.T == 0 && t.swap_threshold == (3ULL << 30) && !t.swap_flag, "T=0, G unit");

        expect_error(PARSE(&t, &err, 2, "T=10"), &err, "T", "0..9");
        expect_error(PARSE(&t, &err, 2, "T=-1"), &err, "T", "not a whole number");
        expect_error(PARSE(&t, &err, 2, "T=1x"), &err, "T", "not a whole number");
        expect_error(PARSE(&t, &err, 2, "max_threads=1"), &err, "T", "missing required key 'T'");
        /* max_threads is clamped into 1..2*CPUs+1 with a warning, as upstream (its test config has 10) */
        r = PARSE(&t, &err, 2, "T=1", "max_threads=5");
        CHECK(r == 0 && t.max_threads == 5 && t.warning[0] == 0, "max_threads=5 on 2 CPUs: %u '%s'", t.max_threads,
              t.warning);
        r = PARSE(&t, &err, 2, "T=1", "max_threads=10");
        CHECK(r == 0 && t.max_threads == 5, "max_threads=10 on 2 CPUs: r=%d, %u (want 5)", r, t.max_threads);
        CHECK(strcmp(t.warning, "max_threads=10 is outside 1..5 (2 * CPUs + 1); using 5, as upstream etmem does") == 0,
              "warning '%s'", t.warning);
        r = PARSE(&t, &err, 8, "T=1", "max_threads=18");
        CHECK(r == 0 && t.max_threads == 17 && strstr(t.warning, "using 17"), "18 on 8 CPUs: %u '%s'", t.max_threads,
              t.warning);
        r = PARSE(&t, &err, 2, "T=1", "max_threads=0");
        CHECK(r == 0 && t.max_threads == 1 && strstr(t.warning, "max_threads=0 is outside 1..5 (2 * CPUs + 1); using 1,"),
              "0: %u '%s'", t.max_threads, t.warning);
        r = PARSE(&t, &err, 2, "T=1", "max_threads=-3");
        CHECK(r == 0 && t.max_threads == 1 && strstr(t.warning, "max_threads=-3"), "-3: %u '%s'", t.max_threads,
              t.warning);
        r = PARSE(&t, &err, 2, "T=1", "max_threads=99999999999999999999999");
        CHECK(r == 0 && t.max_threads == 5, "huge: %u '%s'", t.max_threads, t.warning);
        expect_error(PARSE(&t, &err, 2, "T=1", "max_threads=2x"), &err, "max_threads", "not a whole number");
        expect_error(PARSE(&t, &err, 2, "T=1", "max_threads=-"), &err, "max_threads", "not a whole number");

        /* PMU-only keys (upstream's libpfm4 build): taken as whole numbers, refused at Start */
        r = PARSE(&t, &err, 2, "T=1", "sample_period=5000", "vma_updata_rate=3", "cpu_set_size=16");
        CHECK(r == 0 && t.pmu_key && strcmp(t.pmu_key, "sample_period") == 0, "PMU keys: r=%d %s", r, err.message);
        r = PARSE(&t, &err, 2, "T=1");
        CHECK(r == 0 && t.pmu_key == NULL, "no PMU key");
        expect_error(PARSE(&t, &err, 2, "T=1", "cpu_set_size=x"), &err, "cpu_set_size", "not a whole number");
        expect_error(PARSE(&t, &err, 2, "T=1", "cooling_interval=1"), &err, "cooling_interval", "unknown key");
        expect_error(PARSE(&t, &err, 2, "T=1", "swap_threshold=10m"), &err, "swap_threshold", "only the g/G unit");
        expect_error(PARSE(&t, &err, 2, "T=1", "swap_threshold=10"), &err, "swap_threshold", "10g");
        expect_error(PARSE(&t, &err, 2, "T=1", "swap_threshold=g"), &err, "swap_threshold", "10g");
        expect_error(PARSE(&t, &err, 2, "T=1", "swap_threshold=-1g"), &err, "swap_threshold", "out of range");
        expect_error(PARSE(&t, &err, 2, "T=1", "swap_threshold=99999999999g"), &err, "swap_threshold",
                     "out of range");
        expect_error(PARSE(&t, &err, 2, "T=1", "swap_flag=true"), &err, "swap_flag", "yes, no");
        expect_error(PARSE(&t, &err, 2, "T=1", "hot_threshold=3"), &err, "hot_threshold", "unknown key");

        /* feedback keys */
        r = PARSE(&t, &err, 2, "T=1");
        CHECK(r == 0 && t.refault_hold == 8 && t.max_refault_pct == 10, "feedback defaults %u %u", t.refault_hold,
              t.max_refault_pct);
        r = PARSE(&t, &err, 2, "T=1", "refault_hold=0", "max_refault_pct=100");
        CHECK(r == 0 && t.refault_hold == 0 && t.max_refault_pct == 100, "feedback off");
        r = PARSE(&t, &err, 2, "T=1", "refault_hold=1000", "max_refault_pct=0");
        CHECK(r == 0 && t.refault_hold == 1000 && t.max_refault_pct == 0, "feedback bounds");
        expect_error(PARSE(&t, &err, 2, "T=1", "refault_hold=1001"), &err, "refault_hold", "out of range 0..1000");
        expect_error(PARSE(&t, &err, 2, "T=1", "refault_hold=x"), &err, "refault_hold", "not a whole number");
        expect_error(PARSE(&t, &err, 2, "T=1", "max_refault_pct=101"), &err, "max_refault_pct",
                     "out of range 0..100");
        expect_error(PARSE(&t, &err, 2, "T=1", "max_refault_pct=5%"), &err, "max_refault_pct", "0..100");
        expect_error(PARSE(&t, &err, 2, "T=1", "hot_threshold=3"), &err, "hot_threshold", "refault_hold");

        /* sysmem_threshold without swap_threshold: page out while VmSwap < (VmRSS + VmSwap) * pct / 100 */
        CHECK(slide_swap_share_allows(1000, 0, 50), "nothing in swap yet: go on");
        CHECK(slide_swap_share_allows(600, 300, 40), "300 of 900 in swap at 40%%: 360 > 300, go on");
        /* as upstream, (VmRSS + VmSwap) / 100 first: 959 / 100 * 40 = 360 */
        CHECK(slide_swap_share_allows(600, 359, 40), "359 of 959 at 40%%: 360 > 359, go on");
        CHECK(!slide_swap_share_allows(600, 399, 40), "399 of 999 at 40%%: 360 > 399 is false, stop");
        CHECK(!slide_swap_share_allows(600, 400, 40), "400 of 1000 in swap at 40%%: stop");
        CHECK(!slide_swap_share_allows(500, 600, 50), "600 of 1100 in swap at 50%%: stop");
        CHECK(slide_swap_share_allows(500, 500, 51), "500 of 1000 at 51%%: 510 > 500, go on");
        CHECK(!slide_swap_share_allows(1000, 0, 0), "sysmem_threshold 0: never");
        CHECK(!slide_swap_share_allows(0, 0, 100), "empty process: nothing to page out");

        /* dram_percent: (0,100], keep that share of VmRSS + VmSwap in RAM, coldest out first */
        r = PARSE(&t, &err, 2, "T=1", "dram_percent=100");
        CHECK(r == 0 && t.dram_percent == 100, "dram_percent=100: r=%d %s", r, err.message);
        r = PARSE(&t, &err, 2, "T=1");
        CHECK(r == 0 && t.dram_percent == 0, "dram_percent unset");
        expect_error(PARSE(&t, &err, 2, "T=1", "dram_percent=0"), &err, "dram_percent", "out of range 1..100");
        expect_error(PARSE(&t, &err, 2, "T=1", "dram_percent=101"), &err, "dram_percent", "out of range 1..100");
        CHECK(slide_dram_percent_need(1000, 0, 60) == 400, "1000 RSS at 60%%: %llu",
              (unsigned long long) slide_dram_percent_need(1000, 0, 60));
        CHECK(slide_dram_percent_need(600, 400, 60) == 0, "600 of 1000 in RAM at 60%%: nothing");
        CHECK(slide_dram_percent_need(500, 500, 60) == 0, "below the share: nothing");
        CHECK(slide_dram_percent_need(1000, 0, 100) == 0, "100%%: nothing");
        CHECK(slide_dram_percent_need(338219008 + 99, 0, 100) == 0, "100%% of an RSS that is not a multiple of 100: "
              "nothing (%llu)", (unsigned long long) slide_dram_percent_need(338219008 + 99, 0, 100));
        CHECK(slide_dram_percent_need(1099, 0, 50) == 550, "1099 at 50%%: keep 549, page out 550 (%llu)",
              (unsigned long long) slide_dram_percent_need(1099, 0, 50));
        {
                FeedbackCandidate c[] = {
                        { 0x1000, 0x2000, 100, 2 }, { 0x3000, 0x4000, 100, 0 },
                        { 0x5000, 0x6000, 100, 1 }, { 0x7000, 0x8000, 100, 0 },
                };
                size_t k = slide_dram_percent_pick(c, 4, 150);
                CHECK(k == 2 && c[0].start == 0x3000 && c[1].start == 0x7000,
                      "150 bytes: the two never-accessed ranges, by address (k=%zu, %llx %llx)", k,
                      (unsigned long long) c[0].start, (unsigned long long) c[1].start);
                FeedbackCandidate d[] = {
                        { 0x1000, 0x2000, 100, 2 }, { 0x3000, 0x4000, 100, 0 },
                        { 0x5000, 0x6000, 100, 1 }, { 0x7000, 0x8000, 100, 0 },
                };
                k = slide_dram_percent_pick(d, 4, 201);
                CHECK(k == 3 && d[0].start == 0x3000 && d[1].start == 0x5000 && d[2].start == 0x7000,
                      "201 bytes: then the range read once (k=%zu)", k);
                CHECK(slide_dram_percent_pick(d, 4, 0) == 0, "need 0: nothing");
        }

        CHECK(slide_parse_swap_threshold("0g", &b) == 0 && b == 0, "0g");
        CHECK(slide_parse_swap_threshold("1048576G", &b) == 0 && b == 1048576ULL << 30, "max");
        CHECK(slide_parse_swap_threshold("1048577G", &b) < 0, "over max");
        CHECK(slide_parse_swap_threshold("1.5g", &b) < 0, "fraction");

        struct etmem_param ep = { "loop", "3" };
        r = slide_parse_engine(&(struct etmem_params) { 1, &ep }, &err);
        CHECK(r == -22 && strcmp(err.key, "loop") == 0 && strstr(err.message, "no engine keys"), "engine key: %s",
              err.message);
        CHECK(slide_parse_engine(&(struct etmem_params) { 0, NULL }, &err) == 0, "empty engine section");

        if (failures) {
                printf("test-slide-params: %d check(s) failed\n", failures);
                return 1;
        }
        printf("test-slide-params: all checks passed\n");
        return 0;
}
