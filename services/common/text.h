/* text: the small string rules every service shares. */
#ifndef SOS_TEXT_H
#define SOS_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "sos.pb-c.h"

/* True when s[0..n) is valid UTF-8 with no NUL and no C0 control other
 * than tab, newline and carriage return. */
bool sos_text_valid(const char *s, size_t n);
/* Slug of a name into out (size cap): lowercase ASCII letters and digits,
 * runs of anything else become one '-', no leading or trailing '-'.
 * Returns the length, 0 when nothing is left. */
size_t sos_text_slug(const char *name, char *out, size_t cap);
/* The identity key of a name: lowercase letters and digits only, so that
 * names differing in case, spaces or punctuation collide. */
size_t sos_text_fold(const char *name, char *out, size_t cap);

/* Persona names as the publication spells them: "Builder", ... */
const char *sos_persona_name(Sos__Persona p);
/* Case-insensitive parse; PERSONA_UNSPECIFIED when not a persona. */
Sos__Persona sos_persona_parse(const char *s);
const char *sos_tier_name(Sos__Tier t);
Sos__Tier sos_tier_parse(const char *s);
const char *sos_label_name(Sos__Label l);

#endif
