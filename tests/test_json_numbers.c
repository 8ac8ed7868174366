/*
 * test_json_numbers.c - rp_report_decimal4, the JSON reports' shares and identities, writes
 * every double as printf's "%.4f" does: values near and at ties of the fourth decimal (binary
 * ties such as 0.03125 round to even), every ten-thousandth and its neighbours, random shares,
 * and what takes printf's own way (negative zero, negatives, large values, infinities, NaN).
 */
#include "report/report.h"

/* cmocka needs these first, in this order */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <math.h> /* INFINITY, NAN */
#include <stdio.h>
#include <string.h>

/* The next double up or down from a positive x (the bits stepped: no libm here). */
static double step(double x, int up)
{
    uint64_t b;
    memcpy(&b, &x, sizeof(b));
    b = up ? b + 1 : b - 1;
    memcpy(&x, &b, sizeof(x));
    return x;
}

static void assert_as_printf(double x)
{
    char got[RP_DECIMAL4_LEN], want[RP_DECIMAL4_LEN];
    size_t n = rp_report_decimal4(got, x);
    snprintf(want, sizeof(want), "%.4f", x);
    assert_string_equal(got, want);
    assert_int_equal(n, strlen(want));
}

static void test_every_ten_thousandth_and_its_neighbours(void **state)
{
    (void)state;
    for (int k = 0; k <= 20000; k++) {
        double x = k / 10000.0;
        assert_as_printf(x);
        if (k)
            assert_as_printf(step(x, 0));
        assert_as_printf(step(x, 1));
        /* halfway between two ten-thousandths, and the doubles around it */
        double h = (2 * k + 1) / 20000.0;
        assert_as_printf(h);
        assert_as_printf(step(h, 0));
        assert_as_printf(step(h, 1));
        assert_as_printf(h + 1e-9);
        assert_as_printf(h - 1e-9);
    }
}

static void test_binary_ties_round_to_even(void **state)
{
    (void)state;
    /* m / 32 for odd m: x * 10000 ends in exactly .5 at some m */
    for (int m = 0; m < 32 * 1000; m++)
        assert_as_printf(m / 32.0);
    assert_as_printf(0.03125);
    assert_as_printf(0.09375);
}

static void test_random_shares(void **state)
{
    (void)state;
    uint64_t s = 88172645463325252u;
    for (int i = 0; i < 200000; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        double x = (double)(s >> 11) / 9007199254740992.0; /* [0, 1) */
        assert_as_printf(x);
        assert_as_printf(x * 999.9999);
        assert_as_printf(x / 1048576.0);
    }
}

static void test_the_rest_as_printf(void **state)
{
    (void)state;
    const double xs[] = {-0.0,      0.0,      -0.00004,   -1.5, 999.99994, 999.99995,
                         999.99996, 1000.0,   1234.56789, 1e7,  1e300,     1.7976931348623157e308,
                         5e-324,    INFINITY, -INFINITY,  NAN};
    for (size_t i = 0; i < sizeof(xs) / sizeof(*xs); i++)
        assert_as_printf(xs[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_ten_thousandth_and_its_neighbours),
        cmocka_unit_test(test_binary_ties_round_to_even),
        cmocka_unit_test(test_random_shares),
        cmocka_unit_test(test_the_rest_as_printf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
