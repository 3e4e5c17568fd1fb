/* fuzz_catalogue: the catalogue file `sos import` reads.
 *
 * cmd_import.c loads the file with json_load_file(path,
 * JSON_REJECT_DUPLICATES) and checks its shape with s_check(), which is
 * static there and so cannot be called from here without changing that
 * file (see README.md: "catalogue shape check"). Until it is reachable,
 * this target fuzzes the part that is: the same jansson load
 * (json_loadb, the in-memory form of json_load_file, with the same flag)
 * and, on every string of the document (keys and values), the text helpers
 * the import and the services apply to them: sos_text_valid, the tier and
 * persona parsers and the fold that matches tool names. It does not copy
 * s_check. */
#include <jansson.h>
#include <string.h>

#include "fuzz_common.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void s_text(const char *s, size_t n)
{
    char fold[256], slug[112];
    (void)sos_text_valid(s, n);
    /* the helpers below read C strings, as the import passes them */
    if (memchr(s, '\0', n))
        return;
    (void)sos_tier_parse(s);
    (void)sos_persona_parse(s);
    size_t f = sos_text_fold(s, fold, sizeof fold);
    fz_check(f < sizeof fold && fold[f] == '\0', "fold stays inside its buffer");
    size_t k = sos_text_slug(s, slug, sizeof slug);
    fz_check(k < sizeof slug && slug[k] == '\0', "slug stays inside its buffer");
    fz_check(k == 0 || (slug[0] != '-' && slug[k - 1] != '-'), "slug has no edge dash");
}

static void s_walk(json_t *v)
{
    size_t i;
    const char *key;
    json_t *x;
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        json_object_foreach (v, key, x) {
            s_text(key, strlen(key));
            s_walk(x);
        }
        break;
    case JSON_ARRAY:
        json_array_foreach (v, i, x)
            s_walk(x);
        break;
    case JSON_STRING: s_text(json_string_value(v), json_string_length(v)); break;
    default: break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t err;
    json_t *root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &err);
    if (!root) {
        fz_check(memchr(err.text, '\0', sizeof err.text) != NULL, "error text is terminated");
        return 0;
    }
    s_walk(root);
    json_decref(root);
    return 0;
}
