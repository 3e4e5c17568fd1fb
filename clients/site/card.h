/* card: the social card of a comparison, a CARD_WIDTH x CARD_HEIGHT PNG
 * (compare/<slug>/card.png, the page's og:image), drawn with cairo in the
 * site's light colours and DejaVu Sans (fonts-dejavu-core), encoded by
 * libpng. card.c is the only file that includes cairo.h and png.h.
 *
 * What it shows, from the two signed verdicts alone: the site's name, "A vs
 * B:" and "which one should you ship?", and for each tool its name, its
 * verdict label (Ship, Skip, Split, coloured like the site's badges), its
 * ship / skip count, and two bars with their figures: panel ship % and
 * mean score. A name too wide for its place is drawn smaller, then cut
 * with an ellipsis. Drawing is deterministic: the same verdicts give the
 * same bytes (on the same cairo, pixman, libpng, zlib and font), which `sos
 * verify` relies on when it redraws a card and compares. */
#ifndef SOS_CARD_H
#define SOS_CARD_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "sos.pb-c.h"

#define CARD_WIDTH 1200
#define CARD_HEIGHT 630

/* Appends the card's PNG bytes to out (the caller's). a and b, name_a and
 * name_b are borrowed for the call; a name that is not valid UTF-8 text is
 * drawn with "?" for each bad byte. 0, or -1 when cairo fails (out of
 * memory): out is then unchanged. The drawing surface and the encoder's
 * output room (about 5 MB) are allocated at the first call and kept for
 * the life of the process, reused by every card: one call at a time (not
 * for threads). */
int card_compare_png(const Sos__VerdictBody *a, const char *name_a, const Sos__VerdictBody *b,
                     const char *name_b, sos_buf *out);

/* Checks that png[0..len) is a PNG (signature, IHDR first) of CARD_WIDTH x
 * CARD_HEIGHT that decodes whole. 0, or -1 with a sentence in why (cap
 * bytes): "is not a PNG", "is 640x480, not 1200x630", "does not decode". */
int card_png_check(const uint8_t *png, size_t len, char *why, size_t cap);

/* Decodes a card (as card_png_check accepts) into px, CARD_WIDTH *
 * CARD_HEIGHT pixels row by row, each 0x00RRGGBB; px is the caller's. 0,
 * or -1 when png is not such a card. For checks of what a card shows. */
int card_png_pixels(const uint8_t *png, size_t len, uint32_t *px);

#endif
