/*
 * test_feed.c - RSS and Atom input: one document per item/entry, named by guid/id/link or
 * path#N, text from the title and the content or description with HTML stripped and entities
 * decoded (escaped HTML and CDATA alike), the date kept as metadata, malformed XML skipped
 * with its reason while other inputs are still read, and entities never expanded: a feed
 * with a DTD internal subset (a billion laughs) is skipped, an external DTD never loaded.
 */
#include "corpus/feed.h"

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static rp_corpus *read_feed(const char *path, const char *xml)
{
    rp_corpus *c;

    assert_int_equal(rp_corpus_new(&c), RP_OK);
    assert_int_equal(rp_corpus_read_feed(c, path, xml, strlen(xml)), RP_OK);
    return c;
}

static void assert_doc(const rp_corpus *c, uint32_t id, const char *name, const char *text)
{
    const rp_doc *d = rp_corpus_doc(c, id);

    assert_non_null(d);
    assert_string_equal(d->name, name);
    assert_int_equal(d->len, strlen(text));
    assert_memory_equal(d->bytes, text, d->len);
}

static void test_feed_rss_items_strip_html_in_cdata_and_escaped_form(void **state)
{
    static const char xml[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">"
        "<channel><title>Channel title is not a document</title>\n"
        "<item><title>Port &amp; harbour plans</title>"
        "<guid isPermaLink=\"false\">urn:item:1</guid>"
        "<pubDate>Wed, 01 May 2024 12:00:00 GMT</pubDate>"
        "<description><![CDATA[<p>The terminal opens <b>next</b> spring.</p><p>Jobs &amp; "
        "trade&nbsp;grow &#8211; a lot&#x21;</p><script>var x = '<p>';</script>]]>"
        "</description></item>\n"
        "<item><title>Bakery wins</title><link>https://example.test/bakery</link>"
        "<description>&lt;div&gt;Third   year&lt;br/&gt;running &amp;amp; more&lt;/div&gt;"
        "</description>"
        "<content:encoded><![CDATA[<p>Full text: the bakery won again.</p>]]>"
        "</content:encoded></item>\n"
        "</channel></rss>\n";
    rp_corpus *c = read_feed("news.rss", xml);

    (void)state;
    assert_int_equal(rp_corpus_count(c), 2);
    assert_doc(c, 0, "urn:item:1",
               "Port & harbour plans\n\nThe terminal opens next spring.\n\nJobs & trade grow "
               "\xE2\x80\x93 a lot!");
    assert_string_equal(rp_corpus_doc(c, 0)->meta, "{\"date\":\"Wed, 01 May 2024 12:00:00 GMT\"}");
    /* content:encoded wins over the description */
    assert_doc(c, 1, "https://example.test/bakery",
               "Bakery wins\n\nFull text: the bakery won again.");
    assert_null(rp_corpus_doc(c, 1)->meta);
    rp_corpus_free(c);
}

static void test_feed_escaped_html_description_is_decoded_once(void **state)
{
    static const char xml[] = "<rss><channel><item><description>&lt;div&gt;Third   year&lt;br/"
                              "&gt;running &amp;amp; more&lt;/div&gt;</description></item>"
                              "</channel></rss>";
    rp_corpus *c = read_feed("f.xml", xml);

    (void)state;
    assert_int_equal(rp_corpus_count(c), 1);
    /* no title, no guid, no link: named path#N, text is the description only */
    assert_doc(c, 0, "f.xml#1", "Third year\nrunning & more");
    rp_corpus_free(c);
}

static void test_feed_atom_entries_use_id_link_and_content_types(void **state)
{
    static const char xml[] =
        "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>t</title>"
        "<entry><id>tag:example.test,2024:1</id><title type=\"html\">A &lt;em&gt;big&lt;/em&gt; "
        "day</title><updated>2024-05-01T12:00:00Z</updated>"
        "<content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\"><p>One "
        "&amp; two</p><p>three</p></div></content></entry>"
        "<entry><title>Plain</title><link rel=\"self\" href=\"https://example.test/self\"/>"
        "<link href=\"https://example.test/2\"/><summary type=\"text\">a &lt;b&gt; c</summary>"
        "</entry>"
        "<entry><title></title><summary></summary></entry>"
        "</feed>";
    rp_corpus *c = read_feed("atom.xml", xml);

    (void)state;
    assert_int_equal(rp_corpus_count(c), 2);
    assert_doc(c, 0, "tag:example.test,2024:1", "A big day\n\nOne & two\n\nthree");
    assert_string_equal(rp_corpus_doc(c, 0)->meta, "{\"date\":\"2024-05-01T12:00:00Z\"}");
    /* rel="self" is not the entry's link; type="text" keeps angle brackets */
    assert_doc(c, 1, "https://example.test/2", "Plain\n\na <b> c");
    /* the third entry has no text: skipped, by its path#N name */
    assert_int_equal(rp_corpus_skipped_count(c), 1);
    assert_string_equal(rp_corpus_skipped(c, 0)->input, "atom.xml#3");
    rp_corpus_free(c);
}

static void test_feed_malformed_xml_is_skipped_and_others_are_read(void **state)
{
    static const char bad[] = "<rss><channel><item><title>Open</title></channel></rss>";
    static const char good[] = "<rss><channel><item><title>Fine</title></item></channel></rss>";
    rp_corpus *c;

    (void)state;
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    assert_int_equal(rp_corpus_read_feed(c, "bad.rss", bad, strlen(bad)), RP_OK);
    assert_int_equal(rp_corpus_read_feed(c, "good.rss", good, strlen(good)), RP_OK);
    assert_int_equal(rp_corpus_count(c), 1);
    assert_doc(c, 0, "good.rss#1", "Fine");
    assert_int_equal(rp_corpus_skipped_count(c), 1);
    assert_string_equal(rp_corpus_skipped(c, 0)->input, "bad.rss");
    const char *why = rp_corpus_skipped(c, 0)->reason;
    assert_true(strncmp(why, "malformed XML: line 1: ", 23) == 0);
    assert_null(strchr(why, '\n'));
    rp_corpus_free(c);
}

static void assert_only_skip(const rp_corpus *c, const char *input, const char *reason)
{
    const rp_skip *sk = rp_corpus_skipped(c, 0);

    assert_int_equal(rp_corpus_count(c), 0);
    assert_int_equal(rp_corpus_skipped_count(c), 1);
    assert_string_equal(sk->input, input);
    assert_string_equal(sk->reason, reason);
}

static const char subset_reason[] =
    "feed declares a DTD internal subset (entities are not expanded)";

static void test_feed_with_entity_declarations_is_skipped_unexpanded(void **state)
{
    static const char xml[] =
        "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [<!ENTITY ext SYSTEM \"file:///etc/hostname\">"
        "<!ENTITY word \"inner > ] text\">]>\n"
        "<rss><channel><item><title>A &word; title</title><description>x &ext; y"
        "</description></item></channel></rss>";
    rp_corpus *c = read_feed("ent.rss", xml);

    (void)state;
    assert_only_skip(c, "ent.rss", subset_reason);
    rp_corpus_free(c);
}

/* Ten levels of ten references: 10^10 "lol"s, 30 GB, from a feed of under 1 KB. */
static const char laughs[] =
    "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [\n <!ENTITY lol \"lol\">\n"
    " <!ENTITY l1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
    " <!ENTITY l2 \"&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;\">\n"
    " <!ENTITY l3 \"&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;\">\n"
    " <!ENTITY l4 \"&l3;&l3;&l3;&l3;&l3;&l3;&l3;&l3;&l3;&l3;\">\n"
    " <!ENTITY l5 \"&l4;&l4;&l4;&l4;&l4;&l4;&l4;&l4;&l4;&l4;\">\n"
    " <!ENTITY l6 \"&l5;&l5;&l5;&l5;&l5;&l5;&l5;&l5;&l5;&l5;\">\n"
    " <!ENTITY l7 \"&l6;&l6;&l6;&l6;&l6;&l6;&l6;&l6;&l6;&l6;\">\n"
    " <!ENTITY l8 \"&l7;&l7;&l7;&l7;&l7;&l7;&l7;&l7;&l7;&l7;\">\n"
    " <!ENTITY l9 \"&l8;&l8;&l8;&l8;&l8;&l8;&l8;&l8;&l8;&l8;\">\n"
    "]>\n<rss><channel><item><title>laughs</title><description>&l9;</description></item>"
    "</channel></rss>\n";

static void test_feed_billion_laughs_is_skipped_by_the_library(void **state)
{
    rp_corpus *c = read_feed("laughs.rss", laughs);

    (void)state;
    assert_only_skip(c, "laughs.rss", subset_reason);
    rp_corpus_free(c);
}

/* From a file, as the CLI reads it: recognised as a feed (not read as plain text) and skipped. */
static void test_feed_billion_laughs_file_is_skipped_with_a_reason(void **state)
{
    char path[] = "/tmp/rp-laughs-XXXXXX";
    int fd = mkstemp(path);
    rp_corpus *c;

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(write(fd, laughs, strlen(laughs)), (ssize_t)strlen(laughs));
    close(fd);
    assert_true(rp_corpus_is_feed(laughs, strlen(laughs)));
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    assert_int_equal(rp_corpus_read(c, path, NULL), RP_OK);
    assert_only_skip(c, path, subset_reason);
    rp_corpus_free(c);
    unlink(path);
}

/* An external DTD (RSS 0.91's) is named but never fetched or loaded: the feed is read. */
static void test_feed_external_dtd_is_not_loaded_and_the_feed_is_read(void **state)
{
    static const char xml[] =
        "<?xml version=\"1.0\"?>\n<!DOCTYPE rss PUBLIC \"-//Netscape Communications//DTD RSS "
        "0.91//EN\" \"http://127.0.0.1:9/rss-0.91.dtd\">\n"
        "<rss version=\"0.91\"><channel><item><title>Old format</title><description>still "
        "read</description></item></channel></rss>";
    rp_corpus *c = read_feed("old.rss", xml);

    (void)state;
    assert_int_equal(rp_corpus_count(c), 1);
    assert_doc(c, 0, "old.rss#1", "Old format\n\nstill read");
    rp_corpus_free(c);
}

static void test_feed_detection_looks_at_the_first_element(void **state)
{
    (void)state;
    assert_true(rp_corpus_is_feed("<rss version=\"2.0\">", 19));
    assert_true(rp_corpus_is_feed("\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- c -->\n<feed>", 44));
    assert_true(rp_corpus_is_feed("<?xml version='1.0'?><rdf:RDF>", 30));
    assert_false(rp_corpus_is_feed("<html><body>rss</body></html>", 29));
    assert_false(rp_corpus_is_feed("plain text <rss>", 16));
    assert_false(rp_corpus_is_feed("", 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_feed_rss_items_strip_html_in_cdata_and_escaped_form),
        cmocka_unit_test(test_feed_escaped_html_description_is_decoded_once),
        cmocka_unit_test(test_feed_atom_entries_use_id_link_and_content_types),
        cmocka_unit_test(test_feed_malformed_xml_is_skipped_and_others_are_read),
        cmocka_unit_test(test_feed_with_entity_declarations_is_skipped_unexpanded),
        cmocka_unit_test(test_feed_billion_laughs_is_skipped_by_the_library),
        cmocka_unit_test(test_feed_billion_laughs_file_is_skipped_with_a_reason),
        cmocka_unit_test(test_feed_external_dtd_is_not_loaded_and_the_feed_is_read),
        cmocka_unit_test(test_feed_detection_looks_at_the_first_element),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
