/*
 * feed.h - RSS 2.0, RSS 1.0 and Atom input (corpus_feed.c): each item or entry becomes one
 * document whose bytes are its extracted text, so offsets refer to that text.
 */
#ifndef REPRINT_FEED_H
#define REPRINT_FEED_H

#include "corpus/corpus.h"

/* True when bytes look like a feed: an XML document whose first element is <rss>, <feed> or
 * <rdf:RDF> (after an optional BOM, XML declaration, comments and doctype). */
bool rp_corpus_is_feed(const char *bytes, size_t len);

/*
 * Adds one document per item/entry of the feed in bytes (parsed with libxml2; no network, no
 * external entities, no recovery). Name: guid / id, else link, else "path#N" (N counts items
 * from 1). Bytes: the title, a blank line, then the content (content:encoded or Atom content),
 * else the description / summary, with HTML tags stripped, entities decoded and white space
 * collapsed. Meta: {"date":"..."} from pubDate, updated, published or dc:date when present.
 * Malformed XML is recorded as skipped ("malformed XML: line N: ...") and RP_OK returned; items
 * with no text are skipped as "path#N". Only RP_ENOMEM is an error.
 */
rp_status rp_corpus_read_feed(rp_corpus *c, const char *path, const char *bytes, size_t len);

#endif /* REPRINT_FEED_H */
